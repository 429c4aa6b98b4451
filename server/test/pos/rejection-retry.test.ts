import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityOrdersRoom } from '@ordercast/shared';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import { jobOf, lastEventId, orderEvents, orderRow, posOrders, simPost, sleep, usePosEnv, waitFor } from './helpers';

describe('POS sync: rejections retries cannot fix, and the manual retry', () => {
  let admin: string;
  let manager1: string;
  let manager2: string;
  const env = usePosEnv({ POS_MAX_ATTEMPTS: '5' });
  beforeAll(async () => {
    // The first menu import must be over before the test makes the server's menu disagree with the POS.
    await waitFor(async () => (await env.app.pos.menu.state()).status === 'ok', 'first menu import');
    admin = (await signInStaff(env.app, 'admin')).token;
    manager1 = (await signInStaff(env.app, 'manager1')).token;
    manager2 = (await signInStaff(env.app, 'manager2')).token;
  });

  const setPrice = (productId: number, cityId: number, kopecks: number) =>
    testSql(env.app).run('UPDATE product_prices SET price = @kopecks WHERE product_id = @productId AND city_id = @cityId', { kopecks, productId, cityId });

  it('a price the POS does not agree with fails at once with that reason; a manual retry after the fix syncs it', async () => {
    const { app, sim } = env;
    await setPrice(4, 1, 30_000); // the POS sells it for 290 ₽
    const before = await lastEventId(app);
    const { token } = await signInCustomer(app);
    const res = await placeOrder(app, token, { items: [{ productId: 4, quantity: 1 }] });
    expect(res.statusCode).toBe(201);
    const id = res.json().order.id as number;

    await waitFor(async () => (await jobOf(app, id)).status === 'failed', 'job failed');
    await sleep(150); // nothing more happens: no retries of a rejection
    expect(await jobOf(app, id)).toMatchObject({ status: 'failed', attempts: 1, last_error_code: 'PRICE_MISMATCH' });
    expect(await orderRow(app, id)).toMatchObject({ status: 'pending', sync_status: 'failed' });
    const errors = (await orderEvents(app, id, before)).filter((e) => e.type === 'sync-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.rooms).toEqual([ADMIN_ROOM, cityOrdersRoom(1)]);
    expect(errors[0]!.data).toMatchObject({ entity: 'order', entityId: id, attempt: 1, nextRetryAt: null, cityId: 1 });
    expect(errors[0]!.data.error).toContain('PRICE_MISMATCH');
    expect(await posOrders(sim, id)).toEqual([]);

    // Staff see it (a manager only in their city) with the reason and no next retry.
    const overview = (await app.inject({ url: '/api/admin/sync', headers: bearer(manager1) })).json();
    expect(overview.problems).toContainEqual(
      expect.objectContaining({ order_id: id, job_status: 'failed', sync_status: 'failed', attempts: 1, last_error_code: 'PRICE_MISMATCH', next_retry_at: null, max_attempts: 5 }),
    );
    expect((await app.inject({ url: '/api/admin/sync', headers: bearer(manager2) })).json().problems).toEqual([]);
    const detail = (await app.inject({ url: `/api/admin/orders/${id}`, headers: bearer(admin) })).json().order;
    expect(detail.sync).toMatchObject({ status: 'failed', attempts: 1, next_retry_at: null });

    // Manual retry: 404 unknown, 403 another city's manager, 202 for the city's manager.
    expect((await app.inject({ method: 'POST', url: '/api/admin/sync/999999/retry', headers: bearer(admin) })).statusCode).toBe(404);
    const other = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(manager2) });
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toBe('other_city');
    expect((await jobOf(app, id)).status).toBe('failed');

    // The fix: the POS is told the price the order was taken at.
    const fix = await simPost(sim, '/menu/items', { cityId: 1, code: 'GL-0004', price: 300 });
    expect(fix.json).toMatchObject({ code: 'GL-0004', price: 300, available: true });
    const retry = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(manager1) });
    expect(retry.statusCode).toBe(202);
    expect(retry.json().job).toMatchObject({ order_id: id, job_status: 'pending', attempts: 0, sync_status: 'pending' });
    await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', 'synced after the manual retry');
    expect((await orderRow(app, id)).status).toBe('confirmed');
    expect(await posOrders(sim, id)).toHaveLength(1);
    expect((await orderEvents(app, id, before)).filter((e) => e.type === 'sync-success')).toHaveLength(1);

    // Already in the POS: nothing to retry.
    const again = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(admin) });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('already_synced');
  });

  it('an unknown product code fails at once too', async () => {
    const { app } = env;
    await testSql(app).run("UPDATE products SET pos_code = 'GL-9999' WHERE id = 6");
    try {
      const { token } = await signInCustomer(app);
      const id = (await placeOrder(app, token, { items: [{ productId: 6, quantity: 1 }] })).json().order.id as number;
      await waitFor(async () => (await jobOf(app, id)).status === 'failed', 'job failed');
      expect(await jobOf(app, id)).toMatchObject({ attempts: 1, last_error_code: 'PRODUCT_NOT_FOUND' });
      expect((await jobOf(app, id)).last_error).toContain('GL-9999');
    } finally {
      await testSql(app).run("UPDATE products SET pos_code = 'GL-0006' WHERE id = 6");
    }
  });

  it('a manual retry of a retrying job resets its backoff and runs now', async () => {
    const { app, sim } = env;
    // Long backoff for this order: the retry button must not wait for it.
    await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'refuse' }) });
    const { token } = await signInCustomer(app);
    const id = (await placeOrder(app, token)).json().order.id as number;
    const park = (orderId: number) =>
      testSql(app).run("UPDATE pos_sync_jobs SET next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE entity_id = @orderId AND status = 'pending' AND attempts > 0", { orderId });
    await waitFor(async () => (await park(id)) === 1, 'a failed attempt, then a far-off next one');
    await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: false }) });
    await sleep(100);
    expect((await orderRow(app, id)).sync_status).toBe('retrying');
    const retry = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(admin) });
    expect(retry.statusCode).toBe(202);
    await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', 'synced right after the retry', 2_000);
  });

  it('a cancelled order is never sent, and cannot be retried', async () => {
    const { app, sim } = env;
    await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: 'refuse' }) });
    try {
      const { token } = await signInCustomer(app);
      const id = (await placeOrder(app, token)).json().order.id as number;
      // Park the job between attempts (not in flight), so the cancel surely lands before the next send.
      const park = (orderId: number) =>
      testSql(app).run("UPDATE pos_sync_jobs SET next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE entity_id = @orderId AND status = 'pending' AND attempts > 0", { orderId });
      await waitFor(async () => (await park(id)) === 1, 'a failed attempt, parked');
      const cancel = await app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: bearer(token), payload: {} });
      expect(cancel.statusCode).toBe(200);
      const retry = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(admin) });
      expect(retry.statusCode).toBe(409);
      expect(retry.json().error).toBe('order_cancelled');
      await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: false }) });
      // The cancel closed the job at once (issue 14): nothing is due, even when the worker looks now.
      expect(await jobOf(app, id)).toMatchObject({ status: 'cancelled', last_error_code: 'cancelled' });
      app.pos.sync.wake();
      await sleep(200);
      expect((await jobOf(app, id)).status).toBe('cancelled');
      expect(await posOrders(sim, id)).toEqual([]);
      expect((await orderEvents(app, id)).filter((e) => e.type === 'sync-success')).toEqual([]);
      expect((await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json().problems.map((p: { order_id: number }) => p.order_id)).not.toContain(id);
    } finally {
      await fetch(`${sim.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: false }) });
    }
  });
});
