import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, signInStaff } from '../helpers/app';
import { TestClient, TestSse, listen, sleep, until } from './helpers';
import { ServerProcess, freePort } from './processes';
import { requireService, TEST_REDIS_URL } from '../helpers/services';

const REDIS_URL = TEST_REDIS_URL;

/** Issue 11 item 2 across processes: a rights change made through A reaches the user's connections on B. */
describe('rights changes across two processes sharing Redis', await requireService('redis'), () => {
  let dir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let admin: string;
  let customer: string;
  const closers: (() => void)[] = [];
  let seq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-redis-revoke-'));
    const env = { DATABASE_PATH: join(dir, 'app.db'), REDIS_URL, REDIS_CHANNEL: `ordercast-test-${randomBytes(6).toString('hex')}` };
    await (await buildTestApp({}, { dir })).close();
    [a, b] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    admin = await a.staffToken('admin');
    customer = (await a.customer(920_000_001)).token;
  }, 60_000);
  afterAll(async () => {
    for (const c of closers) c();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const newManager = async (cityIds: number[]) => {
    const username = `xrevoke${++seq}`;
    const r = await a.json('POST', '/api/admin/staff', { username, password: 'password123', name: 'X', role: 'manager', cityIds }, admin);
    expect(r.status).toBe(201);
    const login = await b.json('POST', '/api/auth/login', { username, password: 'password123' });
    return { id: r.body.id as number, token: login.body.token as string };
  };
  const onB = async (token: string) => {
    const c = await TestClient.ready(`${b.ws}/ws?token=${token}`);
    closers.push(() => c.close());
    return c;
  };

  it('disabling through A closes the WebSocket and ends the SSE stream on B within a second', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    const s = new TestSse(`${b.http}/sse?token=${m.token}`);
    closers.push(() => s.close());
    await s.waitFor((x) => x.type === 'connected');

    const t0 = Date.now();
    expect((await a.json('PATCH', `/api/admin/staff/${m.id}`, { active: false }, admin)).status).toBe(200);
    const closed = await c.waitClose(1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^account_disabled/) });
    await until(() => s.es.readyState === 2, 2000, 'event source closed');

    const orderId = await a.order(customer, 1);
    await sleep(300);
    expect(s.messages.some((x) => x.type === 'new-order' && x.data.id === orderId)).toBe(false);
  });

  it('moving a manager through A from city 1 to city 2 moves the connection on B', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    expect((await a.json('PATCH', `/api/admin/staff/${m.id}`, { cityIds: [2] }, admin)).status).toBe(200);
    await c.waitFor((x) => x.type === 'room-left' && x.data.roomId === 'city-1-orders', 1000);
    await c.waitFor((x) => x.type === 'room-joined' && x.data.roomId === 'city-2-orders', 1000);
    const one = await a.order(customer, 1);
    const two = await a.order(customer, 2);
    await c.waitFor((x) => x.type === 'new-order' && x.data.id === two);
    expect(c.messages.some((x) => x.type === 'new-order' && x.data.id === one)).toBe(false);
  });

  it('a password reset through A closes the old token’s socket on B and B refuses the token over REST', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    expect((await a.json('PATCH', `/api/admin/staff/${m.id}`, { password: 'password456' }, admin)).status).toBe(200);
    expect(await c.waitClose(1000)).toMatchObject({ code: 4401, reason: expect.stringMatching(/^token_revoked/) });
    const me = await b.json('GET', '/api/me', undefined, m.token);
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('token_revoked');
  });
});

describe('rights changes while Redis is down', await requireService('redis-server'), () => {
  let redis: ChildProcess | undefined;
  let port: number;
  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const end = Date.now() + 5000;
    for (;;) {
      const ok = await new Promise<boolean>((res) => {
        const p = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', () => res(out.includes('PONG')));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error('private redis-server did not start');
      await sleep(50);
    }
  };
  beforeAll(async () => {
    port = await freePort();
    await startRedis();
  });
  afterAll(() => {
    redis?.kill('SIGKILL');
  });

  it('a user disabled while the notice could not travel is closed on the other process once the bus is back', async () => {
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    const t1 = await buildTestApp(env);
    const t2 = await buildTestApp(env, { dir: t1.dir });
    try {
      const url2 = await listen(t2.app);
      const admin = (await signInStaff(t1.app, 'admin')).token;
      const created = await t1.app.inject({
        method: 'POST',
        url: '/api/admin/staff',
        headers: bearer(admin),
        payload: { username: 'outage-manager', password: 'password123', name: 'X', role: 'manager', cityIds: [1] },
      });
      const token = (await signInStaff(t1.app, 'outage-manager', 'password123')).token;
      const c = await TestClient.ready(`${url2.ws}/ws?token=${token}`);

      redis!.kill('SIGKILL');
      await until(() => !t1.app.events.bus.healthy() && !t2.app.events.bus.healthy(), 5000, 'bus down');
      const res = await t1.app.inject({ method: 'PATCH', url: `/api/admin/staff/${created.json().id}`, headers: bearer(admin), payload: { active: false } });
      expect(res.statusCode).toBe(200);
      await sleep(200);
      expect(c.closeCode).toBeUndefined(); // the notice is not durable: it could not reach t2

      await startRedis();
      expect(await c.waitClose(10_000)).toMatchObject({ code: 4401, reason: expect.stringMatching(/^account_disabled/) });
      c.close();
    } finally {
      await t2.app.close();
      await t1.close();
    }
  });
});
