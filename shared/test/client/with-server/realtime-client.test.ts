import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@ordercast/shared';
import { createRealtimeClient } from '@ordercast/shared/client';
import { signInCustomer, signInStaff } from '../../../../server/test/helpers/app';
import { blockableWebSocket, closedPort, createOrder, gatedFetch, useClientStage, Recorder, setStatus, sleep, strictlyIncreasing, tcpProxy, until } from './helpers';

/**
 * The shared realtime client (shared/src/client) against the real server over real sockets:
 * the `ws` WebSocket and the `eventsource` EventSource, as a Node app or the benchmark would use it.
 */
describe('shared realtime client', () => {
  const { t, track } = useClientStage();
  let admin: string;

  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
  });

  /** Server-side connections of a user (to cut them from the server's end). */
  const connsOf = (userId: number) => [...t.app.realtime.hub.conns].filter((c) => c.principal.userId === userId);

  it('connects over WebSocket (signing in by message), goes live, receives typed events; close() goes offline', async () => {
    const cust = await signInCustomer(t.app);
    const mgr = await signInStaff(t.app, 'manager1');
    let tokenCalls = 0;
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => (tokenCalls++, cust.token) }));
    const m = track(new Recorder({ baseUrl: `${t.url.http}/`, getToken: async () => mgr.token }));
    const created: number[] = [];
    c.rt.on('order-created', (order, msg) => {
      expect(msg.id).toBeGreaterThan(0);
      created.push(order.id);
    });
    expect(c.rt.status).toBe('offline');
    c.rt.connect();
    m.rt.connect();
    expect(c.rt.status).toBe('connecting');
    await Promise.all([c.waitStatus('live'), m.waitStatus('live')]);
    expect(c.rt.transport).toBe('ws');
    expect(tokenCalls).toBe(1);
    const connected = c.ofType('connected')[0]!;
    expect(connected.data).toMatchObject({ userId: cust.user.id, role: 'customer' as Role, transport: 'ws' });
    expect(connected.data.rooms).toContain(`user-${cust.user.id}`);

    const order = await createOrder(t.app, cust.token, 1);
    await c.waitFor((x) => x.type === 'order-created');
    const newOrder = await m.waitFor((x) => x.type === 'new-order');
    expect(created).toEqual([order.id]);
    expect(newOrder).toMatchObject({ type: 'new-order', data: { id: order.id, city_id: 1, status: 'pending' } });
    await setStatus(t.app, admin, order.id, 'confirmed');
    const upd = await c.waitFor((x) => x.type === 'order-status-updated');
    expect(upd).toMatchObject({ data: { orderId: order.id, oldStatus: 'pending', newStatus: 'confirmed' } });
    expect(c.rt.lastEventId).toBe((upd as { id: number }).id);

    c.rt.close();
    expect(c.rt.status).toBe('offline');
    expect(c.statuses).toEqual(['connecting', 'live', 'offline']);
    await until(() => connsOf(cust.user.id).length === 0, 2000, 'server to drop the connection');
  });

  it('resumes after a dropped socket with no gap and no duplicate; status goes reconnecting → live', async () => {
    const cust = await signInCustomer(t.app);
    const gate = gatedFetch();
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => gate.passed(cust.token), fetch: gate.fetch }));
    c.rt.connect();
    await c.waitStatus('live');
    const orders = [await createOrder(t.app, cust.token)];
    await until(() => c.events().length === 1, 2000, 'first event');

    gate.hold();
    for (const conn of connsOf(cust.user.id)) (conn as unknown as { terminate(): void }).terminate();
    await c.waitStatus('reconnecting');
    for (let i = 0; i < 20; i++) orders.push(await createOrder(t.app, cust.token));
    for (const o of orders.slice(1, 6)) await setStatus(t.app, admin, o.id, 'confirmed');
    gate.release();
    await c.waitStatus('live');
    orders.push(await createOrder(t.app, cust.token));

    // 22 order-created + 5 status updates, each once, in id order.
    await until(() => c.events().length === 27, 5000, `27 events (have ${c.events().length})`);
    await sleep(100);
    const ids = c.events().map((e) => e.id);
    expect(ids.length).toBe(27);
    expect(strictlyIncreasing(ids)).toBe(true);
    expect(c.ofType('order-created').map((e) => e.data.id)).toEqual(orders.map((o) => o.id));
    expect(c.statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('reconnects and resumes after a slow-consumer close (1013)', async () => {
    const cust = await signInCustomer(t.app);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token }));
    c.rt.connect();
    await c.waitStatus('live');
    await createOrder(t.app, cust.token);
    await until(() => c.events().length === 1);
    for (const conn of connsOf(cust.user.id)) conn.closeSlow();
    await createOrder(t.app, cust.token);
    await createOrder(t.app, cust.token);
    await until(() => c.events().length === 3, 5000, '3 events');
    expect(strictlyIncreasing(c.events().map((e) => e.id))).toBe(true);
    expect(c.statuses).toContain('reconnecting');
    expect(c.rt.status).toBe('live');
  });

  it('on 4401 (token expired mid-connection) calls onAuthError, gets a fresh token and resumes', async () => {
    const cust = await signInCustomer(t.app);
    for (const { authInBand, useTicket } of [
      { authInBand: true, useTicket: true },
      { authInBand: false, useTicket: true },
      { authInBand: false, useTicket: false },
    ]) {
      // Expires within 2 s: the server closes the live connection with 4401.
      let token = t.app.jwt.sign({ sub: String(cust.user.id), role: 'customer' }, { expiresIn: 2 });
      let authErrors = 0;
      let tokenCalls = 0;
      const c = track(
        new Recorder({
          baseUrl: t.url.http,
          authInBand,
          useTicket,
          getToken: () => (tokenCalls++, token),
          onAuthError: async () => {
            authErrors++;
            token = cust.token; // "signed in again"
          },
        }),
      );
      c.rt.connect();
      await c.waitStatus('live');
      await createOrder(t.app, cust.token);
      await until(() => c.events().length === 1);
      await until(() => c.statuses.includes('reconnecting'), 6000, 'the 4401 close');
      const during = await createOrder(t.app, cust.token);
      await c.waitStatus('live');
      await c.waitFor((m) => m.type === 'order-created' && m.data.id === during.id, 5000, 'the event sent while re-authenticating');
      expect(authErrors).toBe(1);
      expect(tokenCalls).toBeGreaterThanOrEqual(2);
      expect(strictlyIncreasing(c.events().map((e) => e.id))).toBe(true);
      c.rt.close();
    }
  });

  it('falls back to SSE when WebSocket cannot open, gets every event, joins rooms over REST, and returns to WebSocket later', async () => {
    const dead = await closedPort();
    let blocked = true;
    const cust = await signInCustomer(t.app);
    const staff = await signInStaff(t.app, 'admin');
    const c = track(
      new Recorder({ baseUrl: t.url.http, getToken: () => staff.token, WebSocket: blockableWebSocket(dead, () => blocked), wsRetryMs: 400 }),
    );
    c.rt.joinRoom(`user-${cust.user.id}`); // queued: sent (over REST) once connected
    c.rt.connect();
    await c.waitStatus('fallback-sse');
    expect(c.rt.transport).toBe('sse');
    expect(c.statuses).toEqual(['connecting', 'fallback-sse']);
    await c.waitFor((m) => m.type === 'room-joined', 3000, 'room-joined over SSE');

    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await createOrder(t.app, cust.token, 1 + (i % 3))).id);
    // admin-orders: new-order; the joined user room: order-created.
    await until(() => c.ofType('order-created').length === 10 && c.ofType('new-order').length === 10, 5000, 'events over SSE');
    expect(c.ofType('new-order').map((e) => e.data.id)).toEqual(ids);

    // WebSocket works again: the background probe switches over, losing nothing while both run.
    blocked = false;
    const more: number[] = [];
    const producing = (async () => {
      for (let i = 0; i < 30; i++) {
        more.push((await createOrder(t.app, cust.token)).id);
        await sleep(20);
      }
    })();
    await c.waitStatus('live', 5000);
    await producing;
    expect(c.rt.transport).toBe('ws');
    await until(() => c.ofType('new-order').length === 40, 5000, `40 new-order (have ${c.ofType('new-order').length})`);
    await until(() => c.ofType('order-created').length === 40, 5000, 'order-created over WS (room re-joined)');
    await sleep(100);
    expect(c.ofType('new-order').map((e) => e.data.id)).toEqual([...ids, ...more]);
    expect(strictlyIncreasing(c.events().map((e) => e.id))).toBe(true);
    expect(c.statuses).toEqual(['connecting', 'fallback-sse', 'live']);
    // The SSE stream was closed after the switch.
    await until(() => t.app.realtime.sse.size === 0, 2000, 'SSE connection closed');
  });

  it('uses SSE only when told to, and reconnects it after a drop with no gap', async () => {
    const cust = await signInCustomer(t.app);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token, transports: ['sse'] }));
    c.rt.connect();
    await c.waitStatus('fallback-sse');
    await createOrder(t.app, cust.token);
    await until(() => c.events().length === 1);
    for (const conn of connsOf(cust.user.id)) conn.closeSlow(); // SSE: the stream is cut
    await c.waitStatus('reconnecting');
    const o2 = await createOrder(t.app, cust.token);
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === o2.id, 5000, 'event missed during the drop');
    expect(c.events().length).toBe(2);
    expect(c.rt.status).toBe('fallback-sse');
  });

  it('flushes the offline queue and re-joins manually joined rooms after every reconnect', async () => {
    const cust = await signInCustomer(t.app);
    const other = await signInCustomer(t.app);
    const staff = await signInStaff(t.app, 'ceo');
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => staff.token }));
    // Before connect(): queued.
    c.rt.send({ type: 'ping' });
    c.rt.send({ type: 'ping' });
    c.rt.joinRoom(`user-${cust.user.id}`);
    c.rt.send({ type: 'join-room', data: { roomId: 'user-999999' } });
    c.rt.leaveRoom('user-999999');
    c.rt.connect();
    await c.waitStatus('live');
    await until(() => c.ofType('pong').length === 2, 3000, 'two pongs');
    await c.waitFor((m) => m.type === 'room-joined' && m.data.roomId === `user-${cust.user.id}`);
    await createOrder(t.app, cust.token);
    await createOrder(t.app, other.token);
    await until(() => c.ofType('order-created').length === 1 && c.ofType('new-order').length === 2, 3000, 'events of the joined room');

    // Cut it: the joined room comes back with the reconnect, and a ping sent while down is delivered.
    for (const conn of connsOf(staff.user.id)) (conn as unknown as { terminate(): void }).terminate();
    await c.waitStatus('reconnecting');
    c.rt.send({ type: 'ping' });
    await c.waitStatus('live');
    await until(() => c.ofType('pong').length === 3, 3000, 'the ping queued while reconnecting');
    await createOrder(t.app, cust.token);
    await until(() => c.ofType('order-created').length === 2, 3000, 'room re-joined');
    const conn = connsOf(staff.user.id)[0]!;
    expect(conn.rooms).toContain(`user-${cust.user.id}`);
    expect(conn.rooms).not.toContain('user-999999');
  });

  it('notices a silent dead connection by its own ping (no close ever arrives), reconnects and resumes', async () => {
    const cust = await signInCustomer(t.app);
    const proxy = await tcpProxy(Number(new URL(t.url.http).port));
    try {
      const c = track(new Recorder({ baseUrl: proxy.url, getToken: () => cust.token, heartbeatMs: 150, openTimeoutMs: 500 }));
      c.rt.connect();
      await c.waitStatus('live');
      await sleep(400); // idle: pings answered by pongs keep it live
      expect(c.ofType('pong').length).toBeGreaterThanOrEqual(1);
      expect(c.statuses).toEqual(['connecting', 'live']);
      proxy.freeze();
      const missed = await createOrder(t.app, cust.token);
      await c.waitStatus('reconnecting', 2000);
      await c.waitStatus('live', 3000);
      await c.waitFor((m) => m.type === 'order-created' && m.data.id === missed.id, 3000, 'the event sent into the dead socket');
    } finally {
      await proxy.close();
    }
  });

  it('resumes hand-joined rooms too: events of a joined room missed while disconnected come back', async () => {
    const cust = await signInCustomer(t.app);
    const staff = await signInStaff(t.app, 'admin'); // order-created reaches it only through the joined user-{id}
    const gate = gatedFetch();
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => gate.passed(staff.token), fetch: gate.fetch }));
    c.rt.joinRoom(`user-${cust.user.id}`);
    c.rt.connect();
    await c.waitFor((m) => m.type === 'room-joined');
    const first = await createOrder(t.app, cust.token, 1);
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === first.id);

    gate.hold();
    for (const conn of connsOf(staff.user.id)) (conn as unknown as { terminate(): void }).terminate();
    await c.waitStatus('reconnecting');
    const missed = [await createOrder(t.app, cust.token, 1), await createOrder(t.app, cust.token, 1)];
    gate.release();
    await c.waitStatus('live');
    await until(() => c.ofType('order-created').length === 3, 3000, 'the joined room’s missed events');
    expect(c.ofType('order-created').map((e) => e.data.id)).toEqual([first, ...missed].map((o) => o.id));
    expect(strictlyIncreasing(c.events().map((e) => e.id))).toBe(true);
  });

  it('starts a fresh client’s resume point at the server’s head, so a drop before its first event loses nothing', async () => {
    const cust = await signInCustomer(t.app);
    await createOrder(t.app, (await signInCustomer(t.app)).token); // some history that is not ours
    const gate = gatedFetch();
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => gate.passed(cust.token), fetch: gate.fetch }));
    c.rt.connect();
    await c.waitStatus('live');
    expect(c.rt.lastEventId).toBeGreaterThan(0);
    expect(c.events()).toEqual([]);
    gate.hold();
    for (const conn of connsOf(cust.user.id)) (conn as unknown as { terminate(): void }).terminate();
    await c.waitStatus('reconnecting');
    const missed = await createOrder(t.app, cust.token);
    gate.release();
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === missed.id, 3000, 'the event missed before any other');
    expect(c.events().length).toBe(1);
  });

  it('reports a forbidden join as an error event and stays live', async () => {
    const cust = await signInCustomer(t.app);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token }));
    const errors: string[] = [];
    c.rt.on('error', (data) => errors.push(data.code));
    c.rt.connect();
    await c.waitStatus('live');
    c.rt.joinRoom('admin-orders');
    await until(() => errors.length === 1);
    expect(errors).toEqual(['forbidden']);
    expect(c.rt.status).toBe('live');
  });

  it('passes a resync from the server to the app (resume point the server never issued)', async () => {
    const cust = await signInCustomer(t.app);
    const c = track(new Recorder({ baseUrl: t.url.http, getToken: () => cust.token, lastEventId: 10_000_000 }));
    let resyncs = 0;
    c.rt.on('resync', () => resyncs++);
    c.rt.connect();
    await c.waitStatus('live');
    await until(() => resyncs === 1, 3000, 'resync');
    // The counter restarts, so later (lower) ids are not dropped as duplicates.
    const o = await createOrder(t.app, cust.token);
    await c.waitFor((m) => m.type === 'order-created' && m.data.id === o.id);
  });

  it('keeps retrying with backoff while the server is unreachable (bounded), and says what is missing in Node', async () => {
    const dead = await closedPort();
    const c = track(new Recorder({ baseUrl: `http://127.0.0.1:${dead}`, getToken: () => 'x', backoff: { initialMs: 10, maxMs: 40 } }));
    c.rt.connect();
    await sleep(300);
    expect(c.rt.status).toBe('connecting');
    c.rt.close();
    expect(c.rt.status).toBe('offline');

    const bare = createRealtimeClient({ baseUrl: t.url.http, getToken: () => 'x', transports: ['sse'] });
    const g = globalThis as { EventSource?: unknown };
    if (!g.EventSource) expect(() => bare.connect()).toThrow(/EventSource/);
  });
});
