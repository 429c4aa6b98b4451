import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { jobOf, lastEventId, orderEvents, orderRow, posOrders, setControl, sleep, usePosEnv, waitFor } from './helpers';

/**
 * Issue 14 (server part): an order cancelled before it ever reached the POS is never sent: its job
 * is cancelled and its sync state says `not_sent`, not `retrying`, also once the POS is back.
 */
describe('POS sync: an order cancelled before it reached the POS', () => {
  let admin: string;
  const env = usePosEnv({ POS_TIMEOUT_MS: '2000', POS_RETRY_BASE_MS: '50', POS_RETRY_MAX_MS: '200', POS_MAX_ATTEMPTS: '4' });
  beforeAll(async () => {
    admin = (await signInStaff(env.app, 'admin')).token;
  });

  const cancel = async (id: number) => {
    const res = await env.app.inject({
      method: 'POST',
      url: `/api/admin/orders/${id}/status`,
      headers: bearer(admin),
      payload: { status: 'cancelled', reason: 'customer_asked', note: 'customer called' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('cancels the job of an order still retrying, or given up, and never sends it', async () => {
    const { app, sim } = env;
    await setControl(sim, { outage: 'refuse' });
    const { token } = await signInCustomer(app);
    const gaveUp = (await placeOrder(app, token, { items: [{ productId: 3, quantity: 1 }] })).json().order.id as number;
    await waitFor(async () => (await jobOf(app, gaveUp)).status === 'failed', 'first order gave up');
    const retrying = (await placeOrder(app, token)).json().order.id as number;
    const byCustomer = (await placeOrder(app, token, { items: [{ productId: 2, quantity: 1 }] })).json().order.id as number;
    await waitFor(async () => (await orderRow(app, retrying)).sync_status !== 'pending' && (await orderRow(app, byCustomer)).sync_status !== 'pending', 'first attempts failed');

    // A job that gave up is never in flight: the cancel closes it at once.
    const body = await cancel(gaveUp);
    expect(body.order).toMatchObject({ status: 'cancelled', sync_status: 'not_sent' });
    expect(await jobOf(app, gaveUp)).toMatchObject({ status: 'cancelled', last_error_code: 'cancelled' });
    // These two may be in flight right now: their attempt ends, then they are closed the same way.
    await cancel(retrying);
    const mine = await app.inject({ method: 'POST', url: `/api/orders/${byCustomer}/cancel`, headers: bearer(token), payload: {} });
    expect(mine.statusCode, mine.body).toBe(200);
    for (const id of [retrying, gaveUp, byCustomer]) {
      await waitFor(async () => (await jobOf(app, id)).status === 'cancelled', `job of order ${id} cancelled`);
      expect(await orderRow(app, id)).toMatchObject({ status: 'cancelled', sync_status: 'not_sent', pos_order_id: null });
      expect((await jobOf(app, id)).last_error_code).toBe('cancelled');
    }
    const before = await lastEventId(app);

    // The POS comes back: nothing of these reaches it, and no more sync alerts about them.
    await setControl(sim, { outage: false });
    const other = (await placeOrder(app, token, { items: [{ productId: 4, quantity: 1 }] })).json().order.id as number;
    await waitFor(async () => (await orderRow(app, other)).sync_status === 'synced', 'a later order synced');
    await sleep(400);
    for (const id of [retrying, gaveUp, byCustomer]) {
      expect(await posOrders(sim, id)).toEqual([]);
      expect((await orderRow(app, id)).sync_status).toBe('not_sent');
      expect((await orderEvents(app, id, before)).filter((e) => e.type === 'sync-error' || e.type === 'sync-success')).toEqual([]);
    }
    // Staff's retry refuses it, and it is not a sync problem.
    const retry = await app.inject({ method: 'POST', url: `/api/admin/sync/${retrying}/retry`, headers: bearer(admin) });
    expect(retry.statusCode).toBe(409);
    const view = (await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json();
    expect(view.problems.filter((p: { order_id: number }) => [retrying, gaveUp, byCustomer].includes(p.order_id))).toEqual([]);
  });
});
