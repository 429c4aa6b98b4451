import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, signInStaff, addManager } from '../helpers/app';
import { TestClient, TestSse, listen, sleep, until } from './helpers';
import { useProcessPair, usePrivateRedis } from './processes';
import { requireService, TEST_REDIS_URL } from '../helpers/services';

const REDIS_URL = TEST_REDIS_URL;

/** Issue 11 item 2 across processes: a rights change made through A reaches the user's connections on B. */
describe('rights changes across two processes sharing Redis', await requireService('redis'), () => {
  const pair = useProcessPair(REDIS_URL);
  let admin: string;
  let customer: string;
  let seq = 0;

  beforeAll(async () => {
    admin = await pair.a.staffToken('admin');
    customer = (await pair.a.customer(920_000_001)).token;
  });

  const newManager = async (cityIds: number[]) => {
    const username = `xrevoke${++seq}`;
    const r = await pair.a.json('POST', '/api/admin/staff', { username, password: 'password123', name: 'X', role: 'manager', cityIds }, admin);
    expect(r.status).toBe(201);
    const login = await pair.b.json('POST', '/api/auth/login', { username, password: 'password123' });
    return { id: r.body.id as number, token: login.body.token as string };
  };
  const onB = async (token: string) => {
    return pair.keep(await TestClient.ready(`${pair.b.ws}/ws?token=${token}`));
  };

  it('disabling through A closes the WebSocket and ends the SSE stream on B within a second', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    const s = new TestSse(`${pair.b.http}/sse?token=${m.token}`);
    pair.keep(s);
    await s.waitFor((x) => x.type === 'connected');

    const t0 = Date.now();
    expect((await pair.a.json('PATCH', `/api/admin/staff/${m.id}`, { active: false }, admin)).status).toBe(200);
    const closed = await c.waitClose(1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^account_disabled/) });
    await until(() => s.es.readyState === 2, 1000, 'event source closed');
    expect(s.messages).toContainEqual({ type: 'reconnect', data: { code: 4401, reason: expect.stringMatching(/^account_disabled/) } });

    const orderId = await pair.a.order(customer, 1);
    await sleep(300);
    expect(s.messages.some((x) => x.type === 'new-order' && x.data.id === orderId)).toBe(false);
  });

  it('moving a manager through A from city 1 to city 2 moves the connection on B', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    expect((await pair.a.json('PATCH', `/api/admin/staff/${m.id}`, { cityIds: [2] }, admin)).status).toBe(200);
    await c.waitFor((x) => x.type === 'room-left' && x.data.roomId === 'city-1-orders', 1000);
    await c.waitFor((x) => x.type === 'room-joined' && x.data.roomId === 'city-2-orders', 1000);
    const one = await pair.a.order(customer, 1);
    const two = await pair.a.order(customer, 2);
    await c.waitFor((x) => x.type === 'new-order' && x.data.id === two);
    expect(c.messages.some((x) => x.type === 'new-order' && x.data.id === one)).toBe(false);
  });

  it('a password reset through A closes the old token’s socket on B and B refuses the token over REST', async () => {
    const m = await newManager([1]);
    const c = await onB(m.token);
    expect((await pair.a.json('PATCH', `/api/admin/staff/${m.id}`, { password: 'password456' }, admin)).status).toBe(200);
    expect(await c.waitClose(1000)).toMatchObject({ code: 4401, reason: expect.stringMatching(/^token_revoked/) });
    const me = await pair.b.json('GET', '/api/me', undefined, m.token);
    expect(me.status).toBe(401);
    expect(me.body.error).toBe('token_revoked');
  });
});

describe('rights changes while Redis is down', await requireService('redis-server'), () => {
  const redis = usePrivateRedis();

  it('a user disabled while the notice could not travel is closed on the other process once the bus is back', async () => {
    const env = { REDIS_URL: redis.url };
    const t1 = await buildTestApp(env);
    const t2 = await buildTestApp(env, { dir: t1.dir });
    try {
      const url2 = await listen(t2.app);
      const admin = (await signInStaff(t1.app, 'admin')).token;
      const { id, token } = await addManager(t1.app, admin, { username: 'outage-manager', name: 'X' });
      const c = await TestClient.ready(`${url2.ws}/ws?token=${token}`);

      redis.kill();
      await until(() => !t1.app.events.bus.healthy() && !t2.app.events.bus.healthy(), 5000, 'bus down');
      const res = await t1.app.inject({ method: 'PATCH', url: `/api/admin/staff/${id}`, headers: bearer(admin), payload: { active: false } });
      expect(res.statusCode).toBe(200);
      await sleep(200);
      expect(c.closeCode).toBeUndefined(); // the notice is not durable: it could not reach t2

      await redis.start();
      expect(await c.waitClose(10_000)).toMatchObject({ code: 4401, reason: expect.stringMatching(/^account_disabled/) });
      c.close();
    } finally {
      await t2.app.close();
      await t1.close();
    }
  });
});
