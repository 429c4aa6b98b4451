import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityOrdersRoom, userRoom } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer } from '../helpers/app';
import { lastEventId, orderEvents, orderRow, posOrders, setControl, usePosEnv, waitFor } from './helpers';

describe('POS sync: happy path through the real simulator', () => {
  const env = usePosEnv();
  beforeAll(async () => {
    // A fast kitchen: the whole demo sequence in well under a second.
    await setControl(env.sim, { kitchenSpeed: 500 });
  });

  it('syncs a delivery order, follows the kitchen to completed, with every event on the right rooms', async () => {
    const { app } = env;
    const { token, user } = await signInCustomer(app);
    const before = await lastEventId(app);
    const res = await placeOrder(app, token, { cityId: 1, items: [{ productId: 1, quantity: 2 }], delivery: { type: 'delivery', address: 'Tverskaya 1' } });
    expect(res.statusCode).toBe(201);
    const orderId = res.json().order.id as number;

    await waitFor(async () => (await orderRow(app, orderId)).status === 'completed', 'order completed');
    const row = await orderRow(app, orderId);
    expect(row.sync_status).toBe('synced');

    // The POS has it exactly once, under the id the server stored, and it finished in the kitchen.
    const [pos, ...more] = await posOrders(env.sim, orderId);
    expect(more).toHaveLength(0);
    expect(pos).toMatchObject({ posOrderId: row.pos_order_id, externalId: orderId, status: 'delivered', requests: 1, total: 780 });
    expect(pos!.history.map((h) => h.status)).toEqual(['accepted', 'cooking', 'ready', 'on_the_way', 'delivered']);
    expect(pos!.items).toEqual([{ code: 'GL-0001', name: 'Гуляш-суп', price: 390, quantity: 2 }]);

    const staff = [ADMIN_ROOM, cityOrdersRoom(1)];
    const everyone = [userRoom(user.id), ADMIN_ROOM, cityOrdersRoom(1)];
    await waitFor(async () => (await orderEvents(app, orderId, before)).some((e) => e.type === 'bonus-updated'), 'bonus earned');
    const events = (await orderEvents(app, orderId, before)).map((e) => ({ type: e.type, rooms: e.rooms, status: e.data.newStatus }));
    expect(events).toEqual([
      { type: 'new-order', rooms: staff, status: undefined },
      { type: 'order-created', rooms: [userRoom(user.id)], status: undefined },
      { type: 'sync-success', rooms: staff, status: undefined },
      { type: 'order-status-updated', rooms: everyone, status: 'confirmed' },
      { type: 'order-status-updated', rooms: everyone, status: 'preparing' },
      { type: 'order-status-updated', rooms: everyone, status: 'ready' },
      { type: 'order-status-updated', rooms: everyone, status: 'delivering' },
      { type: 'order-status-updated', rooms: everyone, status: 'completed' },
      { type: 'bonus-updated', rooms: [userRoom(user.id)], status: undefined },
    ]);
    const success = (await orderEvents(app, orderId, before)).find((e) => e.type === 'sync-success')!;
    expect(success.data).toEqual({ entity: 'order', entityId: orderId, timestamp: expect.any(String) });

    // The customer sees it: sync state on the wire, every move by the POS in the history.
    const detail = (await app.inject({ url: `/api/orders/${orderId}`, headers: bearer(token) })).json().order;
    expect(detail).toMatchObject({ status: 'completed', sync_status: 'synced', pos_order_id: row.pos_order_id, bonuses_earned: 39 });
    expect(detail.sync).toMatchObject({ status: 'synced', attempts: 0, last_error: null, next_retry_at: null });
    expect(detail.history.slice(1).map((h: { to: string; source: string }) => `${h.to}:${h.source}`)).toEqual([
      'confirmed:pos',
      'preparing:pos',
      'ready:pos',
      'delivering:pos',
      'completed:pos',
    ]);
    // The kitchen's last callback was acknowledged, so the POS stops sending.
    await waitFor(async () => (await posOrders(env.sim, orderId))[0]?.deliveredStatus === 'delivered', 'last callback acknowledged');
  });

  it('a pickup order goes ready → completed when picked up', async () => {
    const { app } = env;
    const { token } = await signInCustomer(app);
    const res = await placeOrder(app, token, { cityId: 2, items: [{ productId: 5, quantity: 1 }], delivery: { type: 'pickup' } });
    const orderId = res.json().order.id as number;
    await waitFor(async () => (await orderRow(app, orderId)).status === 'completed', 'pickup order completed');
    const statuses = (await orderEvents(app, orderId))
      .filter((e) => e.type === 'order-status-updated')
      .map((e) => e.data.newStatus);
    expect(statuses).toEqual(['confirmed', 'preparing', 'ready', 'completed']);
    const [pos] = await posOrders(env.sim, orderId);
    expect(pos).toMatchObject({ status: 'picked_up', cityId: 2, total: 620 });
  });

  it('/health reports the POS up and /api/admin/sync lists recent successes', async () => {
    const health = (await env.app.inject({ url: '/health' })).json();
    expect(health.pos).toBe('up');
    const { signInStaff } = await import('../helpers/app');
    const { token } = await signInStaff(env.app, 'admin');
    const overview = (await env.app.inject({ url: '/api/admin/sync', headers: bearer(token) })).json();
    expect(overview.pos).toBe('up');
    expect(overview.problems).toEqual([]);
    expect(overview.recent.length).toBeGreaterThanOrEqual(2);
    expect(overview.recent[0]).toMatchObject({ sync_status: 'synced', job_status: 'done', attempts: 0, last_error: null });
    expect(overview.menu).toMatchObject({ status: 'ok', failures: 0, last_changes: 0 });
  });
});
