import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, launchChromium } from './browser';
import { requireService } from './services';

const dir = mkdtempSync(join(tmpdir(), 'ordercast-support-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder holding one file `name`: an executable script, or a link to /dev/null. */
function binDir(name: string, kind: 'script' | 'devnull'): string {
  const d = mkdtempSync(join(dir, 'bin-'));
  const p = join(d, name);
  if (kind === 'devnull') symlinkSync('/dev/null', p);
  else {
    writeFileSync(p, '#!/bin/sh\nexit 0\n');
    chmodSync(p, 0o755);
  }
  return d;
}

describe('the browser tests find a Chromium', () => {
  it('CHROMIUM_PATH first; a path that is not an executable file is an error, not a silent fallback', async () => {
    const fake = join(binDir('my-chrome', 'script'), 'my-chrome');
    expect(await chromiumExecutable({ CHROMIUM_PATH: fake, PATH: '' })).toEqual({ path: fake, source: 'CHROMIUM_PATH' });
    await expect(chromiumExecutable({ CHROMIUM_PATH: join(dir, 'missing'), PATH: '' })).rejects.toThrow(/CHROMIUM_PATH/);
  });

  it('then a system chromium / google-chrome on PATH', async () => {
    const d = binDir('google-chrome', 'script');
    expect(await chromiumExecutable({ PATH: d })).toEqual({ path: join(d, 'google-chrome'), source: 'system' });
  });

  it('a chromium hidden behind /dev/null does not count: the npm one is used', async () => {
    const found = await chromiumExecutable({ PATH: binDir('chromium', 'devnull') });
    expect(found.source).toBe('@sparticuz/chromium');
  });

  it('the Chromium from npm starts and renders a page (no system browser, no download)', async () => {
    const browser = await launchChromium({ PATH: '' });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x">ordercast</p>');
      expect(await page.textContent('#x')).toBe('ordercast');
    } finally {
      await browser.close();
    }
  });
});

describe('tests that need a service', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const listen = (onData?: (reply: (s: string) => void) => void) =>
    new Promise<number>((resolve) => {
      const s = createServer((sock) => sock.on('data', () => onData?.((x) => sock.end(x))));
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });
  const closedPort = async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  it('run when the service answers', async () => {
    const port = await listen((reply) => reply('+PONG\r\n'));
    expect(await requireService('redis', { REDIS_URL: `redis://127.0.0.1:${port}` })).toEqual({});
  });

  it('are skipped with the reason when it is missing (or answers as something else)', async () => {
    const closed = await closedPort();
    expect(await requireService('redis', { REDIS_URL: `redis://127.0.0.1:${closed}` })).toEqual({
      skip: true,
      meta: { needs: `Redis at 127.0.0.1:${closed} (set REDIS_URL or start redis-server)` },
    });
    const notRedis = await listen((reply) => reply('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect((await requireService('redis', { REDIS_URL: `redis://127.0.0.1:${notRedis}` })).skip).toBe(true);
    expect((await requireService('postgres', { DATABASE_URL: `postgres://127.0.0.1:${closed}/x` })).meta?.needs).toMatch(
      `PostgreSQL at 127.0.0.1:${closed}`,
    );
    expect((await requireService('redis-server', { PATH: '' })).skip).toBe(true);
  });

  it('fail instead when REQUIRE_SERVICES lists it (CI)', async () => {
    const closed = await closedPort();
    const env = { REDIS_URL: `redis://127.0.0.1:${closed}`, REQUIRE_SERVICES: 'redis,postgres', PATH: '' };
    await expect(requireService('redis', env)).rejects.toThrow(/REQUIRE_SERVICES lists redis.*Redis at 127\.0\.0\.1/);
    await expect(requireService('redis-server', env)).rejects.toThrow(/REQUIRE_SERVICES lists redis-server/);
  });
});
