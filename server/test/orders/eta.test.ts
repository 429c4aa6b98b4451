import { beforeAll, describe, expect, it } from 'vitest';
import type { StatsResponse } from '@ordercast/shared';
import { bearer, placeOrder, signInTeam, useServedApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { TestClient } from '../realtime/helpers';

describe('promised time: staff move it, the dashboard counts orders on time', () => {
  const t = useServedApp({ POS_SYNC_WORKER: 'false' });
  let admin: string, manager1: string, manager2: string;
  let customer: { token: string; user: { id: number } };
  beforeAll(async () => {
    ({ admin, manager1, manager2, customer } = await signInTeam(t.app));
  });

  const eta = (token: string, id: number, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/admin/orders/${id}/eta`, headers: bearer(token), payload });
  const move = async (id: number, status: string) =>
    expect((await t.app.inject({ method: 'POST', url: `/api/admin/orders/${id}/status`, headers: bearer(admin), payload: status === 'cancelled' ? { status, reason: 'other' } : { status } })).statusCode).toBe(200);
  const ws = async (token: string) => t.keep(await TestClient.ready(`${t.url.ws}/ws?token=${token}`));

  it('every new order has promised_at; staff move it by minutes or to a time, with a reason, heard by the customer and staff', async () => {
    const order = (await placeOrder(t.app, customer.token)).json().order;
    expect(Date.parse(order.promised_at)).toBeGreaterThan(Date.parse(order.created_at));
    const mine = await ws(customer.token);
    const m1 = await ws(manager1);
    const m2 = await ws(manager2);

    expect((await eta(manager2, order.id, { addMinutes: 10, reason: 'Rush' })).statusCode).toBe(403);
    expect((await eta(manager1, order.id, { reason: 'Rush' })).json().error).toBe('eta_required');
    expect((await eta(manager1, order.id, { addMinutes: 10, promisedAt: order.promised_at, reason: 'Rush' })).json().error).toBe('eta_required');
    expect((await eta(manager1, order.id, { addMinutes: 10 })).statusCode).toBe(400);
    expect((await eta(manager1, order.id, { addMinutes: 10, reason: '   ' })).json().error).toBe('reason_required');
    expect((await eta(manager1, order.id, { promisedAt: '2020-01-01T00:00:00Z', reason: 'x' })).json().error).toBe('invalid_eta');

    const res = await eta(manager1, order.id, { addMinutes: 20, reason: 'Rush hour' });
    expect(res.statusCode, res.body).toBe(200);
    const moved = new Date(Date.parse(order.promised_at) + 20 * 60_000).toISOString();
    expect(res.json().order.promised_at).toBe(moved);
    const expected = { orderId: order.id, promisedAt: moved, oldPromisedAt: order.promised_at, reason: 'Rush hour' };
    for (const c of [mine, m1]) expect((await c.waitFor((m) => m.type === 'order-eta-updated')).data).toMatchObject(expected);
    expect(m2.ofType('order-eta-updated')).toEqual([]);
    // In the durable log like every event.
    const logged = await testSql(t.app).all<{ rooms: string; payload: string }>(`SELECT rooms, payload FROM events WHERE type = 'order-eta-updated'`);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!.rooms)).toEqual([`user-${customer.user.id}`, 'admin-orders', 'city-1-orders']);

    const at = new Date(Date.now() + 90 * 60_000);
    at.setUTCSeconds(0, 0);
    const set = await eta(admin, order.id, { promisedAt: at.toISOString(), reason: 'Customer asked' });
    expect(set.json().order.promised_at).toBe(at.toISOString());
    expect((await t.app.inject({ url: `/api/orders/${order.id}`, headers: bearer(customer.token) })).json().order.promised_at).toBe(at.toISOString());

    await move(order.id, 'cancelled');
    expect((await eta(admin, order.id, { addMinutes: 10, reason: 'late' })).json().error).toBe('order_closed');
  });

  it('the dashboard reports the share of completed orders that completed by their promised time', async () => {
    const stats = async () => ((await t.app.inject({ url: '/api/admin/stats?cityId=3', headers: bearer(admin) })).json() as StatsResponse).cities[0]!;
    expect(await stats()).toMatchObject({ on_time_share: null, on_time_counted: 0 });
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await placeOrder(t.app, customer.token, { cityId: 3 })).json().order.id);
    // One is already late (its promise is in the past) when it completes; two complete in time; one is still cooking.
    await testSql(t.app).run('UPDATE orders SET promised_at = @at WHERE id = @id', { at: new Date(Date.now() - 60_000).toISOString(), id: ids[0]! });
    for (const id of ids.slice(0, 3)) for (const s of ['confirmed', 'preparing', 'ready', 'completed']) await move(id, s);
    await move(ids[3]!, 'confirmed');
    const s = await stats();
    expect(s.completed).toBe(3);
    expect(s).toMatchObject({ on_time_counted: 3, on_time_share: 0.6667 });
  });
});
