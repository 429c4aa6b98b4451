import { beforeAll, describe, expect, it } from 'vitest';
import { useServedApp, bearer, signInCustomer, signInStaff, addManager } from '../helpers/app';
import { testSql } from '../helpers/db';
import { TestClient, TestSse, createOrder, sleep, until } from './helpers';

/**
 * Issue 11 item 2: a change of a staff member's rights (disable, cities, password reset) reaches
 * every open connection of that user within a second; old tokens stop working after a reset.
 */
describe('rights changes reach open connections', () => {
  let admin: string;
  let customer: string;
  let seq = 0;

  const t = useServedApp();
  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    customer = (await signInCustomer(t.app)).token;
  });

  /** A fresh manager of the given cities, signed in. */
  const newManager = (cityIds: number[]) => addManager(t.app, admin, { username: `revoke${++seq}`, name: 'Revocation test', cityIds });
  const patch = async (id: number, payload: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/admin/staff/${id}`, headers: bearer(admin), payload });
    expect(res.statusCode).toBe(200);
  };
  const ws = async (token: string) => t.keep(await TestClient.ready(`${t.url.ws}/ws?token=${token}`));
  const sse = async (token: string) => {
    const s = new TestSse(`${t.url.http}/sse?token=${token}`);
    t.keep(s);
    await s.waitFor((m) => m.type === 'connected');
    return s;
  };

  it('a disabled manager: open WebSocket closed with 4401, SSE stream ended, no new-order after it', async () => {
    const m = await newManager([1]);
    const c = await ws(m.token);
    const s = await sse(m.token);
    const before = await createOrder(t.app, customer, 1);
    await c.waitFor((x) => x.type === 'new-order' && x.data.id === before.id);
    await s.waitFor((x) => x.type === 'new-order' && x.data.id === before.id);

    const t0 = Date.now();
    await patch(m.id, { active: false });
    const closed = await c.waitClose(1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^account_disabled/);
    // The server ends the stream at once (no connection of this user is left on it)…
    await until(() => ![...t.app.realtime.hub.conns].some((x) => x.principal.userId === m.id), 1000, 'server dropped the SSE connection');
    // …and EventSource's reconnect is refused (401), so it gives up (its retry delay is the client's: allow for a loaded machine).
    await until(() => s.es.readyState === 2, 5000, 'event source closed');

    const after = await createOrder(t.app, customer, 1);
    await sleep(150);
    expect(c.messages.some((x) => x.type === 'new-order' && x.data.id === after.id)).toBe(false);
    expect(s.messages.some((x) => x.type === 'new-order' && x.data.id === after.id)).toBe(false);
    expect([...t.app.realtime.hub.conns].some((x) => x.principal.userId === m.id)).toBe(false);
  });

  it('a manager moved from city 1 to city 2 stops hearing city 1 and hears city 2 (WebSocket and SSE)', async () => {
    const m = await newManager([1]);
    const c = await ws(m.token);
    const s = await sse(m.token);
    await patch(m.id, { cityIds: [2] });
    await c.waitFor((x) => x.type === 'room-left' && x.data.roomId === 'city-1-orders', 1000);
    await c.waitFor((x) => x.type === 'room-joined' && x.data.roomId === 'city-2-orders', 1000);
    await s.waitFor((x) => x.type === 'room-joined' && x.data.roomId === 'city-2-orders', 1000);

    const one = await createOrder(t.app, customer, 1);
    const two = await createOrder(t.app, customer, 2);
    await c.waitFor((x) => x.type === 'new-order' && x.data.id === two.id);
    await s.waitFor((x) => x.type === 'new-order' && x.data.id === two.id);
    expect(c.messages.some((x) => x.type === 'new-order' && x.data.id === one.id)).toBe(false);
    expect(s.messages.some((x) => x.type === 'new-order' && x.data.id === one.id)).toBe(false);
    // join-room checks the current rights too.
    c.send({ type: 'join-room', data: { roomId: 'city-1-orders' } });
    const err = await c.waitFor((x) => x.type === 'error');
    expect(err.data.code).toBe('forbidden');
  });

  it('a password reset: the old token is refused over REST, its sockets close, a new sign-in works', async () => {
    const m = await newManager([1]);
    const c = await ws(m.token);
    expect((await t.app.inject({ url: '/api/me', headers: bearer(m.token) })).statusCode).toBe(200);

    await patch(m.id, { password: 'another-password-1' });
    const closed = await c.waitClose(1000);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^token_revoked/);
    const rest = await t.app.inject({ url: '/api/me', headers: bearer(m.token) });
    expect(rest.statusCode).toBe(401);
    expect(rest.json().error).toBe('token_revoked');
    const again = TestClient.connect(`${t.url.ws}/ws?token=${m.token}`);
    t.keep(again);
    expect((await again.waitClose()).code).toBe(4401);
    const sseRes = await fetch(`${t.url.http}/sse?token=${m.token}`);
    expect(sseRes.status).toBe(401);

    const fresh = (await signInStaff(t.app, `revoke${seq}`, 'another-password-1')).token;
    expect((await t.app.inject({ url: '/api/me', headers: bearer(fresh) })).statusCode).toBe(200);
    const c2 = await ws(fresh);
    expect(c2.messages[0]!.data.rooms).toContain('city-1-orders');
  });

  it('a ticket minted before a password reset is refused after it', async () => {
    const m = await newManager([1]);
    const res = await t.app.inject({ method: 'POST', url: '/api/realtime/ticket', headers: bearer(m.token) });
    const { ticket } = res.json();
    await patch(m.id, { password: 'another-password-2' });
    const c = TestClient.connect(`${t.url.ws}/ws?ticket=${encodeURIComponent(ticket)}`);
    t.keep(c);
    expect((await c.waitClose()).code).toBe(4401);
  });

  it('a role change recomputes the rooms: manager → admin joins admin-orders, back to manager leaves it', async () => {
    // No route changes a role today; whatever does must publish the notice, as UsersService does.
    const m = await newManager([1]);
    const c = await ws(m.token);
    const setRole = async (role: string) => {
      await testSql(t.app).run('UPDATE users SET role = @role WHERE id = @id', { role, id: m.id });
      t.app.events.bus.notify({ kind: 'principal-changed', userId: m.id });
    };
    await setRole('admin');
    await c.waitFor((x) => x.type === 'room-joined' && x.data.roomId === 'admin-orders', 1000);
    const conn = [...t.app.realtime.hub.conns].find((x) => x.principal.userId === m.id)!;
    expect(conn.principal.role).toBe('admin');
    expect((await t.app.inject({ url: '/ws/stats', headers: bearer(admin) })).json().by_type.admin).toBe(1);
    await setRole('manager');
    await c.waitFor((x) => x.type === 'room-left' && x.data.roomId === 'admin-orders', 1000);
    expect([...conn.rooms].sort()).toEqual(['city-1-orders', `user-${m.id}`]);
  });
});
