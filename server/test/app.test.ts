import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bearer, buildTestApp, useTestApp, signInCustomer } from './helpers/app';

const SERVER_DIR = resolve(__dirname, '..');

describe('HTTP hygiene', () => {
  const t = useTestApp({ CORS_ORIGINS: 'https://partner.example' });

  it('health reports the database, bus and POS', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ db: 'up', bus: 'up', pos: expect.stringMatching(/up|down|unknown/) });
  });

  it('sends security headers that still let Telegram embed the Mini App', async () => {
    const res = await t.app.inject({ url: '/health' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self' https://web.telegram.org");
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('allows CORS only for listed origins', async () => {
    const ok = await t.app.inject({ url: '/api/cities', headers: { origin: 'https://partner.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://partner.example');
    const no = await t.app.inject({ url: '/api/cities', headers: { origin: 'https://evil.example' } });
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('without an allow-list, answers no origin with CORS headers and no preflight', async () => {
    const same = await buildTestApp();
    try {
      const res = await same.app.inject({ url: '/api/cities', headers: { origin: 'https://partner.example' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await same.app.inject({
        method: 'OPTIONS',
        url: '/api/orders',
        headers: { origin: 'https://partner.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(404);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await same.close();
    }
  });

  it('answers client mistakes with JSON errors, never a 500 or a stack', async () => {
    const { token } = await signInCustomer(t.app);
    const cases = [
      await t.app.inject({ url: '/nope' }),
      await t.app.inject({ method: 'POST', url: '/api/orders', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{bad json' }),
      await t.app.inject({ method: 'POST', url: '/api/orders', headers: { ...bearer(token), 'content-type': 'application/xml' }, payload: '<order/>' }),
      await t.app.inject({ method: 'POST', url: '/api/orders', headers: bearer(token), payload: { comment: 'x'.repeat(70 * 1024) } }),
      await t.app.inject({ method: 'DELETE', url: '/api/cities' }),
    ];
    expect(cases.map((r) => r.statusCode)).toEqual([404, 400, 415, 413, 404]);
    for (const r of cases) {
      expect(Object.keys(r.json()).sort()).toEqual(['error', 'message']);
      expect(r.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

describe('startup', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('a bad setting exits non-zero naming the variable', async () => {
    const res = run({ PORT: 'eighty' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('Invalid setting PORT');
  });

  it('production without secrets refuses to start', async () => {
    const res = run({ NODE_ENV: 'production' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('JWT_SECRET');
  });

  it('a failed migration exits non-zero with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-badmig-'));
    try {
      // A database someone else created: our first migration's CREATE TABLE collides.
      const db = new Database(join(dir, 'app.db'));
      db.exec('CREATE TABLE cities (x)');
      db.close();
      const res = run({ DATABASE_PATH: join(dir, 'app.db'), POS_SIM_PORT: '0', PORT: '0', LOG_LEVEL: 'silent' });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/database migration failed: .*cities/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
