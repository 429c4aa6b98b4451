import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ADMIN = join(ROOT, 'admin');

/** Newest modification time under a path (files only). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

/** Builds admin/dist when it is missing or older than the sources, so each e2e file stands on its own. */
export function ensureBuilt(): void {
  const index = join(ADMIN, 'dist/index.html');
  const sources = Math.max(newest(join(ADMIN, 'src')), newest(join(ADMIN, 'index.html')), newest(join(ROOT, 'shared/src')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // Not as a test: vitest's variables would make the shared config pick its test root.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  execFileSync('npx', ['vite', 'build', '--mode', 'admin', '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 180_000,
    env: { ...env, NODE_ENV: 'production' },
  });
}
