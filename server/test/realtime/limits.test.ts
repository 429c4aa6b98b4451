import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useServedApp, buildTestApp, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { WsConn } from '../../src/realtime/ws';
import { TestClient, TestSse, listen, sleep, until } from './helpers';

/** Issue 11 items 5, 6 and 15: bounded work and memory per client. */
describe('per-client limits', () => {
  const client = async (query: string) => t.keep(await TestClient.ready(`${t.url.ws}/ws?${query}`));
  const serverConn = (userId: number) => [...t.app.realtime.hub.conns].find((c) => c.principal.userId === userId) as WsConn | undefined;

  const t = useServedApp({
    WS_MAX_BUFFERED_BYTES: '65536',
    WS_MAX_MESSAGES_PER_S: '20',
    WS_MAX_ROOMS_PER_CONNECTION: '5',
    WS_MAX_CONNECTIONS_PER_USER: '3',
  });

  it('answers a message flood with one rate-limited error, drops the excess, and closes on sustained abuse (1008)', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    for (let i = 0; i < 100; i++) c.send({ type: 'ping' });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err.data.code).toBe('rate-limited');
    await sleep(100);
    expect(c.ofType('pong').length).toBeGreaterThanOrEqual(40);
    expect(c.ofType('pong').length).toBeLessThan(60);
    expect(c.ofType('error')).toHaveLength(1);
    // Keep flooding: closed with "policy violation".
    for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
    expect(await c.waitClose()).toMatchObject({ code: 1008, reason: expect.stringMatching(/^rate_limited/) });
  });

  it('a client within the limit is never refused', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    for (let i = 0; i < 30; i++) {
      c.send({ type: 'ping' });
      await sleep(60);
    }
    await until(() => c.ofType('pong').length === 30, 2000, 'pongs');
    expect(c.ofType('error')).toHaveLength(0);
  });

  describe('a slow consumer', () => {
    // Its own server (no message rate limit), built in the hook: on PostgreSQL the build takes a
    // good part of a test's time on a loaded machine.
    const slow = useServedApp({ WS_MAX_BUFFERED_BYTES: '65536', WS_MAX_MESSAGES_PER_S: '100000' });

    it('a client that sends join-room without reading is closed once its unsent replies pass the limit; server memory stays bounded', async () => {
      const cust = await signInCustomer(slow.app);
      const c = slow.keep(await TestClient.ready(`${slow.url.ws}/ws?token=${cust.token}`));
      const conn = [...slow.app.realtime.hub.conns].find((x) => x.principal.userId === cust.user.id) as WsConn;
      // Stop reading: the server's replies pile up in the kernel buffers, then in the server.
      (c.ws as unknown as { _socket: Socket })._socket.pause();
      // A room it holds (its own): answered with no database read per message, so the replies
      // outrun the socket on PostgreSQL too, where a rights read per message held them back.
      const join = JSON.stringify({ type: 'join-room', data: { roomId: `user-${cust.user.id}` } });
      let maxBuffered = 0;
      for (let i = 0; i < 400 && !conn.closed; i++) {
        for (let j = 0; j < 1000; j++) c.ws.send(join);
        await sleep(5);
        maxBuffered = Math.max(maxBuffered, conn.ws.bufferedAmount);
      }
      await until(() => conn.closed, 10_000, 'server closes the slow consumer');
      expect(slow.app.realtime.hub.conns.has(conn)).toBe(false);
      // At most the limit plus one reply (and the close frame) stays queued for it.
      expect(maxBuffered).toBeLessThan(65536 + 1024);
      expect(conn.ws.bufferedAmount).toBeLessThan(65536 + 1024);
    });
  });

  it('a customer may join existing cities’ menu rooms only', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    c.send({ type: 'join-room', data: { roomId: 'city-9999999999-menu' } });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err.data.code).toBe('forbidden');
    c.send({ type: 'join-room', data: { roomId: 'city-2-menu' } });
    await c.waitFor((m) => m.type === 'room-joined' && m.data.roomId === 'city-2-menu');
    expect(serverConn(cust.user.id)!.rooms.has('city-9999999999-menu')).toBe(false);
    // The same rule for rooms requested on connect.
    const d = await client(`token=${cust.token}&rooms=city-424242-menu,city-3-menu`);
    expect(d.messages[0]!.data.rooms).toContain('city-3-menu');
    expect(d.messages[0]!.data.rooms).not.toContain('city-424242-menu');
    expect(d.ofType('error')[0]!.data.code).toBe('forbidden');
  });

  it('caps the rooms of one connection (default rooms included)', async () => {
    const admin = await signInStaff(t.app, 'admin');
    const c = await client(`token=${admin.token}`);
    expect(c.messages[0]!.data.rooms).toHaveLength(2);
    for (const id of [1001, 1002, 1003]) c.send({ type: 'join-room', data: { roomId: `user-${id}` } });
    await until(() => c.ofType('room-joined').length === 3, 2000, 'three joins');
    c.send({ type: 'join-room', data: { roomId: 'user-1004' } });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err.data).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/at most 5 rooms/) });
    // Leaving one makes room again; re-joining a held room is no new room.
    c.send({ type: 'leave-room', data: { roomId: 'user-1001' } });
    c.send({ type: 'join-room', data: { roomId: 'user-1002' } });
    c.send({ type: 'join-room', data: { roomId: 'user-1004' } });
    await c.waitFor((m) => m.type === 'room-joined' && m.data.roomId === 'user-1004');
    c.close();
  });

  it('caps open connections per user across WebSocket and SSE: 4429 / 429', async () => {
    const cust = await signInCustomer(t.app);
    await client(`token=${cust.token}`);
    await client(`token=${cust.token}`);
    const s = new TestSse(`${t.url.http}/sse?token=${cust.token}`);
    t.keep(s);
    await s.waitFor((m) => m.type === 'connected');
    const fourth = TestClient.connect(`${t.url.ws}/ws?token=${cust.token}`);
    t.keep(fourth);
    expect(await fourth.waitClose()).toMatchObject({ code: 4429, reason: expect.stringMatching(/^too_many_connections/) });
    const sse = await fetch(`${t.url.http}/sse?token=${cust.token}`);
    expect(sse.status).toBe(429);
    expect(await sse.json()).toMatchObject({ error: 'too_many_connections' });
    // Another user is not affected.
    const other = await signInCustomer(t.app);
    await client(`token=${other.token}`);
  });
});

describe('/metrics access (METRICS_ACCESS)', () => {
  const get = async (t: TestApp, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    t.app.inject({ url: '/metrics', headers, remoteAddress });

  it('loopback (default): this machine yes, another address or a proxied request no', async () => {
    const t = await buildTestApp();
    try {
      const u = await listen(t.app);
      const direct = await fetch(`${u.http}/metrics`);
      expect(direct.status).toBe(200);
      expect(await direct.text()).toMatch(/ordercast_realtime_connections/);
      expect((await fetch(`${u.http}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
      expect((await get(t, {}, '203.0.113.9')).statusCode).toBe(403);
    } finally {
      await t.close();
    }
  });

  it('a token: only with the bearer token', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = await buildTestApp({ METRICS_ACCESS: token });
    try {
      expect((await get(t)).statusCode).toBe(401);
      expect((await get(t, { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
      expect((await get(t, { authorization: `Bearer ${token}` }, '203.0.113.9')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('public: anyone', async () => {
    const t = await buildTestApp({ METRICS_ACCESS: 'public' });
    try {
      expect((await get(t, {}, '203.0.113.9')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
