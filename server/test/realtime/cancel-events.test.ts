import { describe, expect, it } from 'vitest';
import { useServedApp, bearer, giveBonuses, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { TestClient, TestSse } from './helpers';

/**
 * Issue 14: a cancel's reason, note and returned bonuses travel in `order-status-updated` to the
 * customer over WebSocket and SSE, live and on resume (`lastEventId`), field for field the same.
 */
describe('cancel over WebSocket and SSE', () => {
  const t = useServedApp();

  it('live and on resume, with the reason, the note and the refund', async () => {
    const manager = (await signInStaff(t.app, 'manager1')).token;
    const { token, user } = await signInCustomer(t.app);
    await giveBonuses(t.app, user.id, 50);
    const order = (await placeOrder(t.app, token, { bonusesToUse: 50 })).json().order;
    const mark = await t.app.events.log.highestId();

    const ws = await TestClient.ready(`${t.url.ws}/ws?token=${token}`);
    const sse = new TestSse(`${t.url.http}/sse?token=${token}`);
    const staffWs = await TestClient.ready(`${t.url.ws}/ws?token=${manager}`);
    try {
      await sse.waitFor((m) => m.type === 'connected');
      for (const s of ['confirmed', 'preparing']) {
        expect((await t.app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/status`, headers: bearer(manager), payload: { status: s } })).statusCode).toBe(200);
      }
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/admin/orders/${order.id}/status`,
        headers: bearer(manager),
        payload: { status: 'cancelled', reason: 'out_of_stock', note: 'Нет паприки' },
      });
      expect(res.statusCode).toBe(200);
      const expected = {
        type: 'order-status-updated',
        data: {
          orderId: order.id,
          oldStatus: 'preparing',
          newStatus: 'cancelled',
          timestamp: expect.any(String),
          cancelReason: 'out_of_stock',
          cancelNote: 'Нет паприки',
          bonusesRefunded: 50,
        },
        id: expect.any(Number),
      };
      const isCancel = (m: { type: string; data?: { newStatus?: string } }) => m.type === 'order-status-updated' && m.data?.newStatus === 'cancelled';
      const live = await ws.waitFor(isCancel);
      expect(live).toEqual(expected);
      expect(await sse.waitFor(isCancel)).toEqual(live);
      expect(await staffWs.waitFor(isCancel)).toEqual(live);
      const refund = await ws.waitFor((m) => m.type === 'bonus-updated' && m.data?.operation?.type === 'refunded');
      expect(refund.data).toMatchObject({ balance: 50, operation: { type: 'refunded', amount: 50, orderId: order.id } });

      // Resume from before the cancel on both transports: the same message, the same id.
      const resumedWs = await TestClient.ready(`${t.url.ws}/ws?token=${token}&lastEventId=${mark}`);
      const resumedSse = new TestSse(`${t.url.http}/sse?token=${token}&lastEventId=${mark}`);
      try {
        expect(await resumedWs.waitFor(isCancel)).toEqual(live);
        expect(await resumedSse.waitFor(isCancel)).toEqual(live);
        expect(resumedSse.ids[resumedSse.messages.findIndex(isCancel)]).toBe(String(live.id));
      } finally {
        resumedWs.close();
        resumedSse.close();
      }
    } finally {
      ws.close();
      sse.close();
      staffWs.close();
    }
  });
});
