// `npm run dev`: the server in watch mode plus a Vite dev server per app (proxying to the server).
// One Ctrl-C stops all three.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const procs = [
  ['server', 'npx', ['tsx', 'watch', '--clear-screen=false', 'server/src/server.ts']],
  ['webapp', 'npx', ['vite', '--mode', 'webapp']],
  ['admin', 'npx', ['vite', '--mode', 'admin']],
].map(([name, cmd, args]) => {
  const p = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `[${name}] `;
  for (const stream of [p.stdout, p.stderr]) {
    stream.on('data', (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) process.stdout.write(prefix + line + '\n');
    });
  }
  p.on('exit', (code) => {
    process.stdout.write(`${prefix}exited with ${code}\n`);
    stop();
  });
  return p;
});

function stop() {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
