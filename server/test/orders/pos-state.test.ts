import { beforeAll, describe, expect, it } from 'vitest';
import { Announce } from '../../src/events/announce';
import { PosOrderState } from '../../src/orders/pos-state';
import type { PosWebhookBody } from '../../src/pos/wire';
import { useTestApp, placeOrder, signInCustomer } from '../helpers/app';
import { jobOf, orderEvents, orderRow } from '../pos/helpers';

/**
 * orders/pos-state.ts built on its own from its ports (database, order moves, announcer, log):
 * each question reads the order once and answers with a result, never a thrown 409.
 */
describe('PosOrderState', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });
  let state: PosOrderState;
  let token: string;
  beforeAll(async () => {
    state = new PosOrderState(t.app.sql, t.app.orders, new Announce(t.app.events.append), t.app.log);
    token = (await signInCustomer(t.app)).token;
  });

  const newOrder = async (delivery: 'pickup' | 'delivery' = 'pickup') =>
    (await placeOrder(t.app, token, { delivery: delivery === 'pickup' ? { type: 'pickup' } : { type: 'delivery', address: 'Lenina 1' } })).json().order
      .id as number;
  const step = (id: number, status: PosWebhookBody['status'], posOrderId = `P-${id}`): PosWebhookBody => ({
    eventId: `${posOrderId}:${status}`,
    posOrderId,
    externalId: id,
    status,
    timestamp: new Date().toISOString(),
  });
  const apply = (s: PosWebhookBody) => t.app.tx(() => state.applyStep(s));

  it('"the POS has this order": synced, job done, confirmed, one sync-success; the second time nothing', async () => {
    const id = await newOrder();
    expect(await t.app.tx(() => state.posHasOrder(id, 'P-A'))).toBe(true);
    expect(await orderRow(t.app, id)).toMatchObject({ status: 'confirmed', sync_status: 'synced', pos_order_id: 'P-A' });
    expect((await jobOf(t.app, id)).status).toBe('done');
    expect(await t.app.tx(() => state.posHasOrder(id, 'P-A'))).toBe(false);
    expect((await orderEvents(t.app, id)).filter((e) => e.type === 'sync-success')).toHaveLength(1);
    expect(await t.app.tx(() => state.posHasOrder(999_999, 'P-X'))).toBe(false);
  });

  it('a kitchen step first proves the POS has the order, then moves it; repeats and misfits are results', async () => {
    const id = await newOrder();
    expect(await apply(step(id, 'cooking'))).toEqual({ applied: true, status: 'preparing' });
    expect(await orderRow(t.app, id)).toMatchObject({ status: 'preparing', sync_status: 'synced', pos_order_id: `P-${id}` });
    expect(await apply(step(id, 'cooking'))).toEqual({ applied: false, reason: 'duplicate', status: 'preparing' });
    // A pickup is never "on the way": ignored, not thrown.
    expect(await apply(step(id, 'on_the_way'))).toEqual({ applied: false, reason: 'out_of_order', status: 'preparing' });
    expect(await apply(step(id, 'ready', 'P-OTHER'))).toEqual({ applied: false, reason: 'pos_order_mismatch', status: 'preparing' });
    expect(await apply(step(999_999, 'ready'))).toEqual({ applied: false, reason: 'unknown_order' });
    expect(await apply(step(id, 'ready'))).toEqual({ applied: true, status: 'ready' });
    expect(await apply(step(id, 'picked_up'))).toEqual({ applied: true, status: 'completed' });
    const moves = (await orderEvents(t.app, id)).filter((e) => e.type === 'order-status-updated').map((e) => e.data.newStatus);
    expect(moves).toEqual(['confirmed', 'preparing', 'ready', 'completed']);
  });
});
