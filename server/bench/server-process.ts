/**
 * The real server (src/server.ts) as a child process on a temp SQLite file, for the benchmarks
 * that measure it from outside: its CPU and event loop are its own, as in production.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const BENCH_BOT_TOKEN = '1111111111:BENCH-ordercast-bot-token';

export const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });

export interface ServerProcess {
  base: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the server with production settings plus `env`, and resolves once /health answers. */
export async function startServerProcess(env: Record<string, string>, opts: { cpuProfDir?: string; name: string }): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `ordercast-bench-${opts.name}-`));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const prof = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', resolve(here, '../src/server.ts')], {
    cwd: resolve(here, '..'),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      TELEGRAM_BOT_TOKEN: BENCH_BOT_TOKEN,
      DATABASE_PATH: join(dir, 'app.db'),
      PORT: String(port),
      PUBLIC_URL: base,
      LOG_LEVEL: 'warn',
      SERVE_APPS: 'false',
      POS_SIM_PORT: '0',
      POS_URL: 'http://127.0.0.1:9',
      POS_SYNC_WORKER: 'false',
      // Many customers sign in from one address during setup.
      LOGIN_RATE_LIMIT: '10000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const kill = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', kill);
  const stop = async () => {
    kill();
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 200) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, port, stop };
}
