import { describe, expect, it } from 'vitest';
import { placeOrder, signInCustomer } from '../helpers/app';
import { testSql } from '../helpers/db';
import type { PosWebhookBody } from '../../src/pos/wire';
import { lastEventId, orderEvents, orderRow, readEvents, sendWebhook, setControl, usePosEnv, waitFor } from './helpers';

/** The kitchen is paused (kitchenSpeed 0): every callback here is sent by the test, signed as the POS would. */
describe('POS webhook', () => {
  const env = usePosEnv();

  async function syncedOrder(delivery: 'delivery' | 'pickup' = 'delivery') {
    const { token } = await signInCustomer(env.app);
    const res = await placeOrder(env.app, token, { delivery: delivery === 'delivery' ? { type: 'delivery', address: 'Nevsky 10' } : { type: 'pickup' } });
    const id = res.json().order.id as number;
    await waitFor(async () => (await orderRow(env.app, id)).status === 'confirmed', 'order confirmed by the POS');
    return { id, posOrderId: (await orderRow(env.app, id)).pos_order_id! };
  }

  const step = (id: number, posOrderId: string, status: PosWebhookBody['status']): PosWebhookBody => ({
    eventId: `${posOrderId}:${status}`,
    posOrderId,
    externalId: id,
    status,
    timestamp: new Date().toISOString(),
  });

  it('refuses a bad, missing or foreign signature with 401 and changes nothing', async () => {
    const { id, posOrderId } = await syncedOrder();
    const before = await lastEventId(env.app);
    const body = step(id, posOrderId, 'cooking');
    const cases = [
      await sendWebhook(env.serverUrl, body, { signature: null }),
      await sendWebhook(env.serverUrl, body, { signature: 'nothex' }),
      await sendWebhook(env.serverUrl, body, { signature: '0'.repeat(64) }),
      await sendWebhook(env.serverUrl, body, { secret: 'some-other-secret' }),
      // Signed, then altered: the signature covers the exact bytes.
      await sendWebhook(env.serverUrl, JSON.stringify(body).replace('"cooking"', '"ready"'), {
        signature: (await import('../../src/pos/signature')).sign(JSON.stringify(body), 'pos-test-webhook-secret'),
      }),
      await sendWebhook(env.serverUrl, '{not json', { signature: '0'.repeat(64) }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ error: 'bad_signature' });
    }
    expect((await orderRow(env.app, id)).status).toBe('confirmed');
    expect(await readEvents(env.app, before)).toEqual([]);
  });

  it('a correctly signed but malformed body is a 400', async () => {
    expect((await sendWebhook(env.serverUrl, '{not json')).status).toBe(400);
    expect((await sendWebhook(env.serverUrl, JSON.stringify({ externalId: 1, status: 'boiling' }))).status).toBe(400);
  });

  it('applies steps in order; out-of-order and repeated steps change nothing, and nothing twice', async () => {
    const { app } = env;
    const { id, posOrderId } = await syncedOrder();
    const before = await lastEventId(app);
    const send = (s: PosWebhookBody['status']) => sendWebhook(env.serverUrl, step(id, posOrderId, s));

    // Ahead of the kitchen: not applied out of order, but acknowledged so the POS stops re-sending.
    expect((await send('ready')).json).toEqual({ applied: false, reason: 'out_of_order', status: 'confirmed' });
    expect((await send('delivered')).json).toEqual({ applied: false, reason: 'out_of_order', status: 'confirmed' });
    expect(await readEvents(app, before)).toEqual([]);

    expect(await send('cooking')).toEqual({ status: 200, json: { applied: true, status: 'preparing' } });
    expect((await send('cooking')).json).toEqual({ applied: false, reason: 'duplicate', status: 'preparing' });
    expect((await send('picked_up')).json).toMatchObject({ applied: false, reason: 'out_of_order' }); // a delivery order is never picked up
    expect((await send('ready')).json).toEqual({ applied: true, status: 'ready' });
    expect((await send('cooking')).json).toEqual({ applied: false, reason: 'out_of_order', status: 'ready' }); // a late, older step
    expect((await send('delivered')).json).toMatchObject({ applied: false, reason: 'out_of_order' }); // on the way comes first
    expect((await send('on_the_way')).json).toEqual({ applied: true, status: 'delivering' });
    expect((await send('delivered')).json).toEqual({ applied: true, status: 'completed' });
    expect((await send('delivered')).json).toEqual({ applied: false, reason: 'duplicate', status: 'completed' });
    expect((await send('on_the_way')).json).toEqual({ applied: false, reason: 'out_of_order', status: 'completed' });

    const events = await orderEvents(app, id, before);
    expect(events.filter((e) => e.type === 'order-status-updated').map((e) => `${e.data.oldStatus}→${e.data.newStatus}`)).toEqual([
      'confirmed→preparing',
      'preparing→ready',
      'ready→delivering',
      'delivering→completed',
    ]);
    // Bonuses are earned once.
    expect(events.filter((e) => e.type === 'bonus-updated')).toHaveLength(1);
    const earned = await testSql(app).get<{ n: number }>("SELECT COUNT(*) AS n FROM bonus_ledger WHERE order_id = @id AND type = 'earned'", { id });
    expect(earned!.n).toBe(1);
  });

  it('ignores callbacks for unknown orders or another POS order id', async () => {
    const { id, posOrderId } = await syncedOrder('pickup');
    expect((await sendWebhook(env.serverUrl, step(9_999_999, 'GUL-999999', 'cooking'))).json).toEqual({ applied: false, reason: 'unknown_order' });
    expect((await sendWebhook(env.serverUrl, step(id, 'GUL-424242', 'cooking'))).json).toEqual({ applied: false, reason: 'pos_order_mismatch', status: 'confirmed' });
    expect((await sendWebhook(env.serverUrl, step(id, posOrderId, 'cooking'))).json).toEqual({ applied: true, status: 'preparing' });
  });

  it('a callback that arrives before the POS answer was recorded confirms and syncs the order first', async () => {
    const { app } = env;
    // The worker is parked for this order (as if its answer were lost); the kitchen already calls back.
    await setControl(env.sim, { outage: 'refuse' });
    const { token } = await signInCustomer(app);
    const id = (await placeOrder(app, token)).json().order.id as number;
    const park = (orderId: number) =>
      testSql(app).run("UPDATE pos_sync_jobs SET next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE entity_id = @orderId AND status = 'pending' AND attempts > 0", { orderId });
    await waitFor(async () => (await park(id)) === 1, 'a failed attempt, then a far-off next one');
    await setControl(env.sim, { outage: false });
    expect(await orderRow(app, id)).toMatchObject({ status: 'pending', sync_status: 'retrying' });
    const before = await lastEventId(app);
    expect((await sendWebhook(env.serverUrl, step(id, 'GUL-777777', 'cooking'))).json).toEqual({ applied: true, status: 'preparing' });
    expect(await orderRow(app, id)).toEqual({ status: 'preparing', sync_status: 'synced', pos_order_id: 'GUL-777777' });
    expect((await orderEvents(app, id, before)).map((e) => (e.type === 'order-status-updated' ? `${e.data.newStatus}` : e.type))).toEqual([
      'sync-success',
      'confirmed',
      'preparing',
    ]);
    const job = await testSql(app).get<{ status: string }>('SELECT status FROM pos_sync_jobs WHERE entity_id = @id', { id });
    expect(job!.status).toBe('done');
  });
});
