import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';

/**
 * The Chromium the browser tests drive, found in this order:
 *   1. `CHROMIUM_PATH`, when set (it must exist: a wrong path is an error, not a fallback);
 *   2. a system `chromium` / `chromium-browser` / `google-chrome` on PATH (an executable regular
 *      file: a binary hidden behind /dev/null does not count);
 *   3. the headless Chromium inside the `@sparticuz/chromium` npm package, unpacked to the temp
 *      folder on first use. It installs with `npm install` like any package, so a machine with
 *      only Node and npm runs the browser tests with no download at test time.
 */
export async function chromiumExecutable(env: Record<string, string | undefined> = process.env): Promise<{ path: string; source: string }> {
  if (env.CHROMIUM_PATH) {
    if (!isExecutableFile(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
    return { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  const system = findOnPath(['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'], env.PATH ?? '');
  if (system) return { path: system, source: 'system' };
  return { path: await packagedChromium(), source: '@sparticuz/chromium' };
}

/**
 * @sparticuz/chromium unpacks to `<tmp>/chromium` and trusts any file already there. Test files in
 * parallel workers may ask at once, and a run killed mid-unpack leaves half a binary: so one
 * process unpacks under a lock file, and a marker written after a complete unpack is what counts.
 */
async function packagedChromium(): Promise<string> {
  const ready = join(tmpdir(), 'ordercast-chromium.ready');
  const lock = join(tmpdir(), 'ordercast-chromium.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (existsSync(ready)) {
      const path = readFileSync(ready, 'utf8');
      if (isExecutableFile(path)) return path;
    }
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Another worker is unpacking; a lock older than a minute was left by a killed run.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 60_000) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await sleep(200);
      continue;
    }
    try {
      rmSync(join(tmpdir(), 'chromium'), { force: true });
      const { default: packaged } = await import('@sparticuz/chromium');
      const path = await packaged.executablePath();
      writeFileSync(ready, path);
      return path;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(names: string[], pathVar: string): string | undefined {
  for (const name of names) {
    for (const dir of pathVar.split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Headless Chromium for the e2e tests, from wherever `chromiumExecutable` finds one. */
export async function launchChromium(env: Record<string, string | undefined> = process.env): Promise<Browser> {
  const { path } = await chromiumExecutable(env);
  return chromium.launch({
    executablePath: path,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
