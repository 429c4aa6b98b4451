import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

const newest = (path: string): number => {
  const st = statSync(path);
  return st.isDirectory() ? Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n)))) : st.mtimeMs;
};

/** Builds an app's dist when missing or older than its sources (a browser test stands on its own). */
export function ensureBuilt(app: 'webapp' | 'admin'): void {
  const index = join(ROOT, app, 'dist/index.html');
  const sources = Math.max(newest(join(ROOT, app, 'src')), newest(join(ROOT, app, 'index.html')), newest(join(ROOT, 'shared/src')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Not as a vitest child: the root config switches to test mode when it sees VITEST.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'TEST'));
  execFileSync('npx', ['vite', 'build', '--mode', app, '--logLevel', 'error'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000, env: { ...env, NODE_ENV: 'production' } });
}
