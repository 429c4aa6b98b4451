import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useServedApp, bearer, giveBonuses, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import { ORDER_TYPES, TestClient, createOrder, setStatus, sleep, until } from './helpers';

const MARK = 987_654;

describe('realtime over WebSocket', () => {
  let admin: string, ceo: string, manager1: string, manager2: string;
  /** This describe's clients, to count the open ones. */
  const open: TestClient[] = [];
  const client = async (query: string, path = '/ws') => {
    const c = t.keep(await TestClient.ready(`${t.url.ws}${path}?${query}`));
    open.push(c);
    return c;
  };

  // A socket without a credential waits this long for an `auth` message (seed 002) before its 4401.
  const t = useServedApp({ WS_AUTH_TIMEOUT_MS: '300' });
  beforeAll(async () => {
    [admin, ceo, manager1, manager2] = (
      await Promise.all(['admin', 'ceo', 'manager1', 'manager2'].map((u) => signInStaff(t.app, u)))
    ).map((r) => r.token);
  });

  it('joins rooms by role and says connected first (on /ws and on / from seed 001)', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`, '/');
    expect(c.messages[0]).toMatchObject({
      type: 'connected',
      data: { userId: cust.user.id, role: 'customer', rooms: [`user-${cust.user.id}`], transport: 'ws' },
    });
    expect(typeof c.messages[0]!.data.connectionId).toBe('string');
    expect('id' in c.messages[0]!).toBe(false);

    const a = await client(`token=${admin}`);
    expect(a.messages[0]!.data).toMatchObject({ role: 'admin', rooms: ['admin-orders', expect.stringMatching(/^user-\d+$/)] });
    const ce = await client(`token=${ceo}`);
    expect(ce.messages[0]!.data).toMatchObject({ role: 'ceo', rooms: ['admin-orders', expect.stringMatching(/^user-\d+$/)] });
    const m1 = await client(`token=${manager1}`);
    expect(m1.messages[0]!.data).toMatchObject({ role: 'manager', rooms: ['city-1-orders', expect.stringMatching(/^user-\d+$/)] });
    const m2 = await client(`token=${manager2}`);
    expect(m2.messages[0]!.data.rooms[0]).toBe('city-2-orders');
  });

  it('GET / without an upgrade redirects to the Mini App', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/app/');
  });

  it('refuses every forbidden join, keeps the connection, allows the permitted ones', async () => {
    const cust = await signInCustomer(t.app);
    const other = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    const m1 = await client(`token=${manager1}`);
    const a = await client(`token=${admin}`);
    const cases: [TestClient, string, boolean][] = [
      [c, 'admin-orders', false],
      [c, 'city-1-orders', false],
      [c, `user-${other.user.id}`, false],
      [c, 'no-such-room', false],
      [c, `user-${cust.user.id}`, true],
      [c, 'city-1-menu', true],
      [m1, 'admin-orders', false],
      [m1, 'city-2-orders', false],
      [m1, `user-${cust.user.id}`, false],
      [m1, 'city-1-orders', true],
      [a, 'city-2-orders', true],
      [a, `user-${cust.user.id}`, true],
    ];
    for (const [cl, roomId, ok] of cases) {
      const before = cl.messages.length;
      cl.send({ type: 'join-room', data: { roomId } });
      await until(() => cl.messages.length > before);
      const reply = cl.messages[before]!;
      if (ok) expect(reply, roomId).toEqual({ type: 'room-joined', data: { roomId } });
      else expect(reply, roomId).toMatchObject({ type: 'error', data: { code: 'forbidden', message: expect.any(String) } });
    }
    c.send({ type: 'ping' });
    await c.waitFor((m) => m.type === 'pong');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.send({ type: 'leave-room', data: { roomId: 'city-1-menu' } });
    await c.waitFor((m) => m.type === 'room-left' && m.data.roomId === 'city-1-menu');
  });

  it('answers bad JSON, unknown types and bad shapes with one error format, and stays open', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    c.send('{not json');
    c.send({ type: 'dance' });
    c.send({ type: 'join-room' });
    c.send({ type: 'join-room', data: { roomId: 42 } });
    c.send('[1,2]');
    await until(() => c.ofType('error').length === 5);
    expect(c.ofType('error').map((m) => m.data.code)).toEqual(['bad-request', 'unknown-type', 'bad-request', 'bad-request', 'bad-request']);
    for (const e of c.ofType('error')) expect(Object.keys(e).sort()).toEqual(['data', 'type']);
    c.send({ type: 'ping' });
    await c.waitFor((m) => m.type === 'pong');
  });

  it('closes a frame over 16 KiB with 1009', async () => {
    const cust = await signInCustomer(t.app);
    const c = await client(`token=${cust.token}`);
    c.send({ type: 'ping', pad: 'x'.repeat(17 * 1024) });
    expect((await c.waitClose()).code).toBe(1009);
  });

  it('delivers every seed-001 event shape to exactly the contract rooms, with ids', async () => {
    const cust = await signInCustomer(t.app);
    const stranger = await signInCustomer(t.app);
    await giveBonuses(t.app, cust.user.id, 100);
    const c = await client(`token=${cust.token}`);
    const s = await client(`token=${stranger.token}`);
    const a = await client(`token=${admin}`);
    const m1 = await client(`token=${manager1}`);
    const m2 = await client(`token=${manager2}`);

    const order = await createOrder(t.app, cust.token, 1);
    await setStatus(t.app, manager1, order.id, 'confirmed');
    await t.app.tx(async () => {
      await t.app.events.append('sync-success', ['admin-orders', 'city-1-orders'], { entity: 'order', entityId: MARK, timestamp: new Date().toISOString() });
      await t.app.events.append('sync-error', ['admin-orders', 'city-1-orders'], {
        entity: 'order',
        entityId: MARK,
        error: 'Connection timeout',
        timestamp: new Date().toISOString(),
      });
    });
    await a.waitFor((m) => m.type === 'sync-error' && m.data.entityId === MARK);
    await c.waitFor((m) => m.type === 'order-status-updated');

    const newOrder = await a.waitFor((m) => m.type === 'new-order');
    expect(Object.keys(newOrder).sort()).toEqual(['data', 'id', 'type']);
    expect(newOrder.data).toMatchObject({ id: order.id, order_number: order.order_number, user_id: cust.user.id, city_id: 1, status: 'pending' });
    for (const k of ['total', 'bonuses_earned']) expect(newOrder.data).toHaveProperty(k);
    expect(typeof newOrder.id).toBe('number');

    const created = await c.waitFor((m) => m.type === 'order-created');
    expect(created.data).toMatchObject({ id: order.id, order_number: order.order_number });
    const upd = await c.waitFor((m) => m.type === 'order-status-updated');
    expect(upd.data).toEqual({ orderId: order.id, newStatus: 'confirmed', oldStatus: 'pending', timestamp: expect.any(String) });
    const syncOk = await a.waitFor((m) => m.type === 'sync-success' && m.data.entityId === MARK);
    expect(syncOk.data).toEqual({ entity: 'order', entityId: MARK, timestamp: expect.any(String) });
    const syncErr = await m1.waitFor((m) => m.type === 'sync-error' && m.data.entityId === MARK);
    expect(syncErr.data).toMatchObject({ entity: 'order', entityId: MARK, error: 'Connection timeout' });
    // The POS worker's own sync-error for the order (POS unreachable in tests) has the seed shape too.
    const posErr = await a.waitFor((m) => m.type === 'sync-error' && m.data.entityId === order.id);
    expect(posErr.data).toMatchObject({ entity: 'order', error: expect.any(String), timestamp: expect.any(String) });

    // bonus-updated: spend bonuses on an order (the ledger emits it to the user room).
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: bearer(cust.token),
      payload: { cityId: 1, restaurantId: 1, items: [{ productId: 1, quantity: 2 }], delivery: { type: 'pickup' }, bonusesToUse: 10 },
    });
    expect(res.statusCode).toBe(201);
    const bonus = await c.waitFor((m) => m.type === 'bonus-updated' && m.data.operation.type === 'used');
    expect(bonus.data).toEqual({
      balance: expect.any(Number),
      operation: { type: 'used', amount: 10, orderId: res.json().order.id },
      timestamp: expect.any(String),
    });
    await sleep(100);

    // Order events plus the two sync events appended above (the POS worker adds its own on its schedule).
    const types = (cl: TestClient) =>
      cl.events()
        .filter((m) => ORDER_TYPES.has(m.type) || m.data.entityId === MARK)
        .map((m) => m.type);
    expect(types(c)).toEqual(['order-created', 'order-status-updated', 'order-created', 'bonus-updated']);
    expect(types(a)).toEqual(['new-order', 'order-status-updated', 'sync-success', 'sync-error', 'new-order']);
    expect(types(m1)).toEqual(types(a));
    expect(m2.events()).toEqual([]);
    expect(s.events()).toEqual([]);
    // Ids rise strictly on every socket.
    for (const cl of [c, a, m1]) {
      const ids = cl.events().map((m) => m.id!);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('gives a client in several matching rooms each event once', async () => {
    const cust = await signInCustomer(t.app);
    const a = await client(`token=${admin}`);
    a.send({ type: 'join-room', data: { roomId: 'city-1-orders' } });
    a.send({ type: 'join-room', data: { roomId: `user-${cust.user.id}` } });
    await until(() => a.ofType('room-joined').length === 2);
    const order = await createOrder(t.app, cust.token, 1);
    await setStatus(t.app, admin, order.id, 'confirmed');
    await a.waitFor((m) => m.type === 'order-status-updated');
    await sleep(100);
    // new-order (admin + city) once, order-created (user room) once, status (user + admin + city) once.
    expect(a.orderEvents().map((m) => m.type)).toEqual(['new-order', 'order-created', 'order-status-updated']);
    const ids = a.events().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses bad, missing and expired tokens with 4401 and a readable reason', async () => {
    const missing = TestClient.connect(`${t.url.ws}/ws`);
    expect(await missing.waitClose()).toMatchObject({ code: 4401, reason: expect.stringContaining('auth_timeout') });
    const bad = TestClient.connect(`${t.url.ws}/ws?token=not.a.jwt`);
    expect(await bad.waitClose()).toMatchObject({ code: 4401, reason: expect.stringContaining('invalid_token') });
    const cust = await signInCustomer(t.app);
    const expired = t.app.jwt.sign({ sub: String(cust.user.id), role: 'customer' }, { expiresIn: 1 });
    await sleep(2100);
    const exp = TestClient.connect(`${t.url.ws}/?token=${expired}`);
    expect(await exp.waitClose()).toMatchObject({ code: 4401, reason: expect.stringContaining('token_expired') });
    expect(exp.messages).toEqual([]);
  });

  it('closes with 4401 when the token expires during the connection', async () => {
    const cust = await signInCustomer(t.app);
    const short = t.app.jwt.sign({ sub: String(cust.user.id), role: 'customer' }, { expiresIn: 2 });
    const c = await client(`token=${short}`);
    expect((await c.waitClose(5000)).code).toBe(4401);
  });

  it('accepts a single-use ticket once, never twice', async () => {
    const cust = await signInCustomer(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/realtime/ticket', headers: bearer(cust.token) });
    expect(res.statusCode).toBe(200);
    const { ticket, expiresAt } = res.json();
    expect(typeof ticket).toBe('string');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(10_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
    const first = await client(`ticket=${encodeURIComponent(ticket)}`);
    expect(first.messages[0]!.data.userId).toBe(cust.user.id);
    const again = TestClient.connect(`${t.url.ws}/ws?ticket=${encodeURIComponent(ticket)}`);
    expect(await again.waitClose()).toMatchObject({ code: 4401, reason: expect.stringContaining('invalid_ticket') });
    // Only the hash is stored.
    const rows = await testSql(t.app).all<{ hash: string }>('SELECT hash FROM realtime_tickets');
    expect(rows.some((r) => r.hash === ticket)).toBe(false);
    expect((await t.app.inject({ method: 'POST', url: '/api/realtime/ticket' })).statusCode).toBe(401);
  });

  it('reports stats to staff only, and metrics without user data', async () => {
    const cust = await signInCustomer(t.app);
    await client(`token=${cust.token}`);
    const stats = await t.app.inject({ url: '/ws/stats', headers: bearer(admin) });
    expect(stats.statusCode).toBe(200);
    const body = stats.json();
    expect(body).toEqual({ total: expect.any(Number), by_type: expect.any(Object), by_transport: expect.any(Object), rooms: expect.any(Number) });
    expect(body.total).toBe(open.filter((c) => c.ws.readyState === WebSocket.OPEN).length);
    expect(body.by_transport.ws).toBe(body.total);
    expect(body.by_type.customer).toBeGreaterThan(0);
    expect((await t.app.inject({ url: '/ws/stats', headers: bearer(cust.token) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/ws/stats' })).statusCode).toBe(401);
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('ordercast_realtime_connections{transport="ws",role="customer"}');
    expect(metrics.body).toContain('ordercast_realtime_events_delivered_total');
    expect(metrics.body).not.toContain(`user-${cust.user.id}`);
  });
});
