import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bearer, signInCustomer, signInStaff, useTestApp, addManager } from '../helpers/app';
import { TestClient, TestSse, createOrder, listen, sleep } from './helpers';

/** A token for `userId` that expires in `seconds` (tests cannot wait for JWT_TTL_S, at least 60 s). */
async function shortToken(app: FastifyInstance, userId: number, seconds: number): Promise<string> {
  const p = (await app.users.principal(userId))!;
  const claims = p.tokenVersion ? { sub: String(userId), role: p.role, tv: p.tokenVersion } : { sub: String(userId), role: p.role };
  return app.jwt.sign(claims, { expiresIn: seconds });
}

/**
 * Seed 002: before a token expires the server sends `token-expiring`; the client sends `auth`
 * again on the same connection, which keeps its rooms and its place in the log. Only a
 * connection that does not refresh is closed (4401) at expiry.
 */
describe('token refresh on a live connection', () => {
  const t = useTestApp();
  let url: { http: string; ws: string };

  it('POST /api/auth/refresh: a valid token → a fresh one for the same user; no token → 401', async () => {
    url = await listen(t.app);
    const staff = await signInStaff(t.app, 'manager1');
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: bearer(staff.token) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user.id).toBe(staff.user.id);
    expect((await t.app.principalFromToken(body.token)).principal.userId).toBe(staff.user.id);
    const customer = await signInCustomer(t.app);
    const c = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: bearer(customer.token) });
    expect(c.statusCode).toBe(200);
    expect(c.json().user.id).toBe(customer.user.id);
    const none = await t.app.inject({ method: 'POST', url: '/api/auth/refresh' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe('unauthorized');
  });

  it('WebSocket: token-expiring before expiry; auth again keeps rooms, and events during the refresh arrive exactly once', async () => {
    const customer = await signInCustomer(t.app);
    const manager = (await signInStaff(t.app, 'manager1')).user.id;
    // 6 s (the notice at half of it), and everything slow done before the notice: the refresh must
    // beat the expiry on a loaded machine too.
    const c = await TestClient.ready(`${url.ws}/ws?token=${await shortToken(t.app, manager, 6)}`);
    c.send({ type: 'join-room', data: { roomId: 'city-2-menu' } });
    await c.waitFor((m) => m.type === 'room-joined');
    // Events published before, during and after the refresh.
    const placed = [await createOrder(t.app, customer.token, 1)];
    const fresh = await shortToken(t.app, manager, 60);
    const notice = await c.waitFor((m) => m.type === 'token-expiring', 7000);
    const firstExpiry = Date.parse(notice.data.expiresAt);
    expect(firstExpiry).toBeGreaterThan(Date.now());

    c.send({ type: 'auth', data: { token: fresh } });
    placed.push(await createOrder(t.app, customer.token, 1));
    const ack = await c.waitFor((m) => m.type === 'authenticated');
    expect(Date.parse(ack.data.expiresAt)).toBeGreaterThan(Date.now() + 30_000);
    placed.push(await createOrder(t.app, customer.token, 1));

    // Past the first token's expiry and the server's next once-a-second check.
    await sleep(Math.max(0, firstExpiry + 1500 - Date.now()));
    expect(c.closeCode).toBeUndefined();
    placed.push(await createOrder(t.app, customer.token, 1));
    for (const o of placed) await c.waitFor((m) => m.type === 'new-order' && m.data.id === o.id);
    for (const o of placed) expect(c.ofType('new-order').filter((m) => m.data.id === o.id)).toHaveLength(1);
    const ids = c.events().map((m) => m.id!);
    expect(new Set(ids).size).toBe(ids.length);
    const conn = [...t.app.realtime.hub.conns].find((x) => x.principal.userId === manager)!;
    expect([...conn.rooms].sort()).toEqual(['city-1-orders', 'city-2-menu', `user-${manager}`].sort());
    c.close();
  }, 30_000);

  it('a connection that does not refresh is closed 4401 token_expired at expiry', async () => {
    const admin = (await signInStaff(t.app, 'admin')).user.id;
    // 4 s: the notice (half the time left) and the expiry fall in different ticks of the server's
    // once-a-second timer even on a loaded machine (a 2 s token could expire before its notice tick).
    const c = await TestClient.ready(`${url.ws}/ws?token=${await shortToken(t.app, admin, 4)}`);
    await c.waitFor((m) => m.type === 'token-expiring', 5000);
    const closed = await c.waitClose(6000);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^token_expired/);
  }, 15_000);

  it("another user's token on a live connection: error forbidden, the connection stays as it was", async () => {
    const admin = (await signInStaff(t.app, 'admin')).token;
    const manager = (await signInStaff(t.app, 'manager1')).token;
    const c = await TestClient.ready(`${url.ws}/ws?token=${manager}`);
    c.send({ type: 'auth', data: { token: admin } });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err.data.code).toBe('forbidden');
    await sleep(50);
    expect(c.closeCode).toBeUndefined();
    const conn = [...t.app.realtime.hub.conns].find((x) => x.principal.role === 'manager')!;
    expect(conn.rooms.has('admin-orders')).toBe(false);
    c.close();
  });

  it('a revoked user: refresh refused over REST, a bad auth on a live connection is an error, old credential still bounded', async () => {
    const admin = (await signInStaff(t.app, 'admin')).token;
    const { id, token } = await addManager(t.app, admin, { username: 'refresher', name: 'Refresh test' });
    const c = await TestClient.ready(`${url.ws}/ws?token=${token}`);
    // A token that does not verify: an error, the connection keeps its (still valid) credential.
    c.send({ type: 'auth', data: { token: 'garbage' } });
    expect((await c.waitFor((m) => m.type === 'error')).data.code).toBe('unauthorized');
    await sleep(50);
    expect(c.closeCode).toBeUndefined();

    // Password reset: the connection is closed, and the old token cannot be refreshed.
    const reset = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${id}`, headers: bearer(admin), payload: { password: 'another-password' } });
    expect(reset.statusCode).toBe(200);
    expect((await c.waitClose()).code).toBe(4401);
    const refused = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: bearer(token) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('token_revoked');

    // After signing in again, a refreshed token still obeys revocation: disabling closes the connection.
    const fresh = (await signInStaff(t.app, 'refresher', 'another-password')).token;
    const d = await TestClient.ready(`${url.ws}/ws?token=${await shortToken(t.app, id, 60)}`);
    d.send({ type: 'auth', data: { token: fresh } });
    await d.waitFor((m) => m.type === 'authenticated');
    const off = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${id}`, headers: bearer(admin), payload: { active: false } });
    expect(off.statusCode).toBe(200);
    const closed = await d.waitClose();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^account_disabled/);
  });

  it('SSE: the same notice; POST /api/realtime/auth with a fresh bearer keeps the stream past the old expiry', async () => {
    const customer = await signInCustomer(t.app);
    const manager = (await signInStaff(t.app, 'manager1')).user.id;
    // As over WebSocket: 6 s, and the slow work (an order, the tokens) before the notice.
    const s = new TestSse(`${url.http}/sse?token=${await shortToken(t.app, manager, 6)}`);
    const connected = await s.waitFor((m) => m.type === 'connected');
    const before = await createOrder(t.app, customer.token, 1);
    const other = (await signInStaff(t.app, 'admin')).token;
    const fresh = await shortToken(t.app, manager, 60);
    const notice = await s.waitFor((m) => m.type === 'token-expiring', 7000);
    // The stream's new credential, sent by whoever holds `token`.
    const reauth = (token: string) => t.app.inject({ method: 'POST', url: '/api/realtime/auth', headers: bearer(token), payload: { connectionId: connected.data.connectionId } });
    expect((await reauth(fresh)).statusCode).toBe(200);
    // Someone else's stream is as unknown as a missing one.
    expect((await reauth(other)).statusCode).toBe(404);
    await s.waitFor((m) => m.type === 'authenticated');
    await sleep(Math.max(0, Date.parse(notice.data.expiresAt) + 1500 - Date.now()));
    expect(s.errors).toBe(0);
    const after = await createOrder(t.app, customer.token, 1);
    for (const o of [before, after]) await s.waitFor((m) => m.type === 'new-order' && m.data.id === o.id);
    expect(s.messages.filter((m) => m.type === 'connected')).toHaveLength(1);
    s.close();
  }, 30_000);
});
