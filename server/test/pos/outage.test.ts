import { describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityOrdersRoom } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { jobOf, lastEventId, orderEvents, orderRow, posOrders, setControl, usePosEnv, waitFor } from './helpers';

describe('POS sync: outages', () => {
  const env = usePosEnv({ POS_TIMEOUT_MS: '300', POS_RETRY_BASE_MS: '20', POS_RETRY_MAX_MS: '100', POS_MAX_ATTEMPTS: '100' });

  it('keeps taking orders while the POS refuses connections, alerts staff on every attempt, then delivers each order exactly once', async () => {
    const { app, sim } = env;
    await setControl(sim, { outage: 'refuse' });
    const before = await lastEventId(app);
    const { token } = await signInCustomer(app);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await placeOrder(app, token, { cityId: 1 + (i % 2), items: [{ productId: 2 + i, quantity: 1 }] });
      expect(res.statusCode).toBe(201); // customers are not affected by the outage
      ids.push(res.json().order.id);
    }
    // Every order is retried, with a sync-error per attempt.
    for (const id of ids) await waitFor(async () => (await jobOf(app, id)).attempts >= 3, `order ${id} retried 3 times`);
    const cityOf = async (id: number) => ((await orderEvents(app, id, before))[0]!.data as { city_id: number }).city_id;
    for (const id of ids) {
      expect(await orderRow(app, id)).toMatchObject({ status: 'pending', sync_status: 'retrying', pos_order_id: null });
      const errors = (await orderEvents(app, id, before)).filter((e) => e.type === 'sync-error');
      expect(errors.length).toBeGreaterThanOrEqual(3);
      const cityId = await cityOf(id);
      errors.forEach((e, i) => {
        expect(e.rooms).toEqual([ADMIN_ROOM, cityOrdersRoom(cityId)]);
        expect(e.data).toMatchObject({ entity: 'order', entityId: id, attempt: i + 1, cityId });
        expect(e.data.error).toMatch(/^POS unreachable/);
        expect(typeof e.data.nextRetryAt).toBe('string');
        expect(Date.parse(e.data.nextRetryAt as string)).toBeGreaterThanOrEqual(Date.parse(e.data.timestamp as string));
      });
    }
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'degraded', pos: 'down' });

    // Staff see the problems, a manager only in their city.
    const admin = (await signInStaff(app, 'admin')).token;
    const manager2 = (await signInStaff(app, 'manager2')).token;
    const all = (await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json();
    expect(all.pos).toBe('down');
    expect(all.problems.map((p: { order_id: number }) => p.order_id).sort()).toEqual([...ids].sort());
    const p0 = all.problems.find((p: { order_id: number }) => p.order_id === ids[0]);
    expect(p0).toMatchObject({ sync_status: 'retrying', last_error_code: 'unreachable', max_attempts: 100, city_id: 1 });
    expect(p0.attempts).toBeGreaterThanOrEqual(3);
    const mine = (await app.inject({ url: '/api/admin/sync', headers: bearer(manager2) })).json();
    expect(mine.problems.map((p: { order_id: number }) => p.order_id)).toEqual([ids[1]]);

    // Recovery: each order reaches the POS, exactly once.
    await setControl(sim, { outage: false });
    for (const id of ids) await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', `order ${id} synced`);
    const pos = await posOrders(sim);
    for (const id of ids) {
      const mineInPos = pos.filter((o) => o.externalId === id);
      expect(mineInPos).toHaveLength(1);
      expect(mineInPos[0]!.requests).toBe(1);
      expect(await orderRow(app, id)).toMatchObject({ status: 'confirmed', pos_order_id: mineInPos[0]!.posOrderId });
      const events = await orderEvents(app, id, before);
      expect(events.filter((e) => e.type === 'sync-success')).toHaveLength(1);
      // One alert per failed attempt, no more, and the success after the last of them.
      expect(events.filter((e) => e.type === 'sync-error')).toHaveLength((await jobOf(app, id)).attempts);
      expect(events.findLastIndex((e) => e.type === 'sync-error')).toBeLessThan(events.findIndex((e) => e.type === 'sync-success'));
    }
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', pos: 'up' });
    expect((await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json().problems).toEqual([]);
  });

  it('a hanging POS costs one timeout per attempt, not a stuck worker', async () => {
    const { app, sim } = env;
    await setControl(sim, { outage: 'hang' });
    const before = await lastEventId(app);
    const { token } = await signInCustomer(app);
    const a = (await placeOrder(app, token)).json().order.id as number;
    const b = (await placeOrder(app, token, { items: [{ productId: 3, quantity: 1 }] })).json().order.id as number;
    const started = Date.now();
    for (const id of [a, b]) await waitFor(async () => (await jobOf(app, id)).attempts >= 2, `order ${id} timed out twice`, 5_000);
    // Two attempts each at 300 ms timeouts (plus ≤100 ms backoff), concurrently: well under the 5 s a stuck worker would need.
    expect(Date.now() - started).toBeLessThan(3_000);
    const err = (await orderEvents(app, a, before)).find((e) => e.type === 'sync-error')!;
    expect(err.data.error).toBe('POS did not answer within 300 ms');
    expect((await jobOf(app, a)).last_error_code).toBe('timeout');

    await setControl(sim, { outage: false });
    for (const id of [a, b]) await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', `order ${id} synced after the hang`);
    for (const id of [a, b]) expect(await posOrders(sim, id)).toHaveLength(1);
  });

  it('injected 5xx failures are retried until they pass', async () => {
    const { app, sim } = env;
    await setControl(sim, { failureRate: 1 });
    const { token } = await signInCustomer(app);
    const id = (await placeOrder(app, token)).json().order.id as number;
    await waitFor(async () => (await jobOf(app, id)).attempts >= 2, 'two failed attempts');
    expect((await jobOf(app, id)).last_error_code).toBe('http_503');
    expect((await jobOf(app, id)).last_error).toMatch(/^POS answered 503/);
    await setControl(sim, { failureRate: 0 });
    await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', 'synced');
    expect((await posOrders(sim, id))[0]!.requests).toBe(1);
  });
});
