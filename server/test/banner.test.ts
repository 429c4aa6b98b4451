import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bannerLines } from '../src/banner';
import { loadConfig } from '../src/config/config';
import { loggerOptions } from '../src/lib/logger';
import { buildLoggedApp, buildTestApp, TEST_BOT_TOKEN } from './helpers/app';
import { freePort } from './realtime/processes';

const SERVER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROD_SECRETS = {
  NODE_ENV: 'production',
  JWT_SECRET: 'prod-secret-prod-secret-prod-secret',
  TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
  POS_WEBHOOK_SECRET: 'prod-webhook-secret-0123456789',
  TELEGRAM_WEBHOOK_SECRET: 'prod-telegram-webhook-secret-0123',
};

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ordercast-console-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('logs for a person in development, JSON for machines', () => {
  const cfg = (env: Record<string, string>) => loadConfig({ DATABASE_PATH: ':memory:', ...env });
  const target = (o: ReturnType<typeof loggerOptions>) => (o as { transport?: { target: string } }).transport?.target;

  it('pretty only in development on a terminal, or when LOG_PRETTY says so', async () => {
    expect(target(loggerOptions(cfg({}), { isTTY: true }))).toBe('pino-pretty');
    expect(target(loggerOptions(cfg({}), { isTTY: false }))).toBeUndefined();
    expect(target(loggerOptions(cfg({ LOG_PRETTY: 'true' }), { isTTY: false }))).toBe('pino-pretty');
    expect(target(loggerOptions(cfg({ LOG_PRETTY: 'false' }), { isTTY: true }))).toBeUndefined();
    expect(target(loggerOptions(cfg({ ...PROD_SECRETS, LOG_PRETTY: 'true' }), { isTTY: true }))).toBeUndefined();
    expect(target(loggerOptions(cfg({ NODE_ENV: 'test' }), { isTTY: true }))).toBeUndefined();
  });

  it('one line per request; none for health checks and static files unless they fail', async () => {
    const t = await buildLoggedApp('info');
    try {
      const before = t.lines.length;
      await t.app.inject({ url: '/health' });
      await t.app.inject({ url: '/static/nothing-here.svg' });
      await t.app.inject({ url: '/docs/openapi.json' });
      await t.app.inject({ url: '/api/cities' });
      await t.app.inject({ url: '/api/menu?cityId=999999&token=SECRET-IN-URL' });
      const lines = t.lines.slice(before).map((l) => JSON.parse(l) as { msg: string; level: number });
      expect(lines.map((l) => l.msg)).toEqual([
        expect.stringMatching(/^GET \/api\/cities 200 \d+ms$/),
        expect.stringMatching(/^GET \/api\/menu\?cityId=999999&token=\[redacted\] 404 \d+ms$/),
      ]);
    } finally {
      await t.close();
    }
  });
});

describe('banner and /demo', () => {
  it('production prints addresses only: no logins, no password, no demo link', async () => {
    const prod = loadConfig({ ...PROD_SECRETS, DATABASE_PATH: ':memory:', DEMO_PASSWORD: 'hunter22' });
    const text = bannerLines(prod, '/some/demo-link.txt').join('\n');
    expect(text).toContain(`${prod.PUBLIC_URL}/admin/`);
    expect(text).toContain(`${prod.PUBLIC_URL}/docs`);
    for (const secret of ['hunter22', 'password', 'manager1', '/demo', 'tgWebAppData', 'demo-link']) expect(text).not.toContain(secret);

    const dev = loadConfig({ DATABASE_PATH: ':memory:', DEMO_PASSWORD: 'hunter22' });
    const devText = bannerLines(dev, '/some/demo-link.txt').join('\n');
    expect(devText).toContain('hunter22');
    expect(devText).toContain(`${dev.PUBLIC_URL}/demo`);
    expect(devText).toContain('/some/demo-link.txt');
  });

  it('/demo redirects to a freshly signed Mini App link that signs in as the demo customer', async () => {
    const t = await buildTestApp();
    try {
      const res = await t.app.inject({ url: '/demo' });
      expect(res.statusCode).toBe(302);
      expect(res.headers['cache-control']).toBe('no-store');
      const location = String(res.headers.location);
      expect(location.startsWith(`${t.config.PUBLIC_URL}/app/#tgWebAppData=`)).toBe(true);
      const initData = new URLSearchParams(location.split('#')[1]).get('tgWebAppData')!;
      const signIn = await t.app.inject({ method: 'POST', url: '/api/auth/telegram', payload: { initData } });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json().user).toMatchObject({ telegram_id: 100000001 });
    } finally {
      await t.close();
    }
  });

  it('there is no /demo in production', async () => {
    const t = await buildTestApp(PROD_SECRETS);
    try {
      expect((await t.app.inject({ url: '/demo' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});

/** `npm start`'s server, with its output: the banner must be the last thing it printed. */
async function start(env: Record<string, string>): Promise<{ child: ChildProcess; out: () => string; base: string; dir: string }> {
  const dir = tempDir();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      POS_SIM_PORT: String(await freePort()),
      DATABASE_PATH: join(dir, 'app.db'),
      SERVE_APPS: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const end = Date.now() + 30_000;
  while (!/ordercast is running[\s\S]*\n\n/.test(out)) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Anything start-up still had to say would come now: give it the chance.
  await new Promise((r) => setTimeout(r, 500));
  return { child, out: () => out, base: `http://127.0.0.1:${port}`, dir };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('npm start', () => {
  it('development: pretty logs, then the banner last, with /demo and the link written to a file', async () => {
    const s = await start({ LOG_PRETTY: 'true' });
    try {
      const out = s.out();
      const banner = out.indexOf('ordercast is running');
      expect(out.slice(0, banner)).toMatch(/POS simulator started/);
      expect(out.slice(0, banner)).not.toMatch(/^\{"level"/m); // pretty, not JSON
      expect(out.slice(banner).trimEnd().split('\n').at(-1)).toMatch(/demo-link\.txt/); // nothing after the banner
      const file = join(s.dir, 'demo-link.txt');
      expect(readFileSync(file, 'utf8')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/app\/#tgWebAppData=/);
      const res = await fetch(`${s.base}/demo`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/\/app\/#tgWebAppData=/);
    } finally {
      await stop(s.child);
    }
  });

  it('production: JSON logs and a banner of addresses only; no /demo, no link file', async () => {
    const s = await start({ ...PROD_SECRETS, DEMO_PASSWORD: 'hunter22' });
    try {
      const out = s.out();
      const banner = out.slice(out.indexOf('ordercast is running'));
      for (const secret of ['hunter22', 'password', 'tgWebAppData', '/demo']) expect(banner).not.toContain(secret);
      expect(out.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(0);
      expect(existsSync(join(s.dir, 'demo-link.txt'))).toBe(false);
      expect((await fetch(`${s.base}/demo`, { redirect: 'manual' })).status).toBe(404);
    } finally {
      await stop(s.child);
    }
  });
});
