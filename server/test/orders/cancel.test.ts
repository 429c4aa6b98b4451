import { ACTIVE_STATUSES, ORDER_STATUSES, type OrderStatus } from '@ordercast/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, giveBonuses, placeOrder, signInCustomer, signInStaff, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';
import { orderEvents } from '../pos/helpers';

/**
 * Issue 14: who may cancel what. Staff (admin, ceo, a manager in their city) from every active
 * status with a reason code; the customer only while pending or confirmed (`customer_asked`).
 * A refused cancel changes nothing.
 */
let t: TestApp;
let admin: string;
let ceo: string;
let manager1: string;
let manager2: string;

beforeAll(async () => {
  t = await buildTestApp();
  admin = (await signInStaff(t.app, 'admin')).token;
  ceo = (await signInStaff(t.app, 'ceo')).token;
  manager1 = (await signInStaff(t.app, 'manager1')).token;
  manager2 = (await signInStaff(t.app, 'manager2')).token;
});
afterAll(() => t.close());

const PATH: Record<OrderStatus, OrderStatus[]> = {
  pending: [],
  confirmed: ['confirmed'],
  preparing: ['confirmed', 'preparing'],
  ready: ['confirmed', 'preparing', 'ready'],
  delivering: ['confirmed', 'preparing', 'ready', 'delivering'],
  completed: ['confirmed', 'preparing', 'ready', 'delivering', 'completed'],
  cancelled: ['cancelled'],
};

const staffMove = (token: string, id: number, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: `/api/admin/orders/${id}/status`, headers: bearer(token), payload });

/** A city-1 delivery order of a fresh customer, driven to `status` by admin. */
async function orderIn(status: OrderStatus, bonuses = 0): Promise<{ id: number; token: string }> {
  const { token, user } = await signInCustomer(t.app);
  if (bonuses) await giveBonuses(t.app, user.id, bonuses);
  const order = (await placeOrder(t.app, token, { delivery: { type: 'delivery', address: 'Tverskaya 1' }, ...(bonuses && { bonusesToUse: bonuses }) })).json().order;
  for (const s of PATH[status]) {
    const res = await staffMove(admin, order.id, s === 'cancelled' ? { status: s, reason: 'other' } : { status: s });
    expect(res.statusCode, res.body).toBe(200);
  }
  return { id: order.id, token };
}

const statusOf = async (id: number) => (await testSql(t.app).get<{ status: string }>('SELECT status FROM orders WHERE id = @id', { id }))!.status;

describe('staff cancel', () => {
  for (const [who, token] of [
    ['admin', () => admin],
    ['ceo', () => ceo],
    ['manager of the city', () => manager1],
  ] as const) {
    it(`${who}: allowed from every active status, refused from completed and cancelled`, async () => {
      for (const status of ORDER_STATUSES) {
        const { id } = await orderIn(status);
        const res = await staffMove(token(), id, { status: 'cancelled', reason: 'out_of_stock', note: 'no paprika left' });
        if ((ACTIVE_STATUSES as readonly string[]).includes(status)) {
          expect({ status, code: res.statusCode }).toEqual({ status, code: 200 });
          expect(res.json().order).toMatchObject({ status: 'cancelled', cancel_reason: 'out_of_stock', cancel_note: 'no paprika left' });
        } else {
          expect({ status, code: res.statusCode }).toEqual({ status, code: 409 });
          expect(res.json().error).toBe('invalid_transition');
          expect(await statusOf(id)).toBe(status);
        }
      }
    });
  }

  it("a manager of another city: 403 and nothing changes", async () => {
    for (const status of ACTIVE_STATUSES) {
      const { id } = await orderIn(status);
      const res = await staffMove(manager2, id, { status: 'cancelled', reason: 'duplicate' });
      expect({ status, code: res.statusCode }).toEqual({ status, code: 403 });
      expect(await statusOf(id)).toBe(status);
    }
  });

  it('needs a reason code from the list: 400 cancel_reason_required otherwise, nothing written', async () => {
    const { id } = await orderIn('preparing');
    const before = await t.app.events.log.highestId();
    for (const payload of [{ status: 'cancelled' }, { status: 'cancelled', reason: 'bored' }, { status: 'cancelled', reason: 'other', note: 'x'.repeat(301) }]) {
      const res = await staffMove(admin, id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      if (!('note' in payload)) expect(res.json().error).toBe('cancel_reason_required');
    }
    expect(await statusOf(id)).toBe('preparing');
    // Nothing about this order was written (the background POS sync may log its own sync events meanwhile).
    expect((await orderEvents(t.app, id, before)).filter((e) => !e.type.startsWith('sync-'))).toEqual([]);
  });

  it('every reason code is accepted and stored; the event carries the reason, the note and the bonuses returned', async () => {
    for (const reason of ['customer_asked', 'out_of_stock', 'courier_unreachable', 'duplicate', 'other']) {
      const { id } = await orderIn('ready', 100);
      const res = await staffMove(manager1, id, { status: 'cancelled', reason });
      expect(res.statusCode).toBe(200);
      expect(res.json().order).toMatchObject({ cancel_reason: reason, cancel_note: null });
      const ev = (await orderEvents(t.app, id)).filter((e) => e.type === 'order-status-updated').at(-1)!;
      expect(ev.data).toEqual({
        orderId: id,
        oldStatus: 'ready',
        newStatus: 'cancelled',
        timestamp: expect.any(String),
        cancelReason: reason,
        cancelNote: null,
        bonusesRefunded: 100,
      });
      const refund = (await orderEvents(t.app, id)).find((e) => e.type === 'bonus-updated' && (e.data.operation as { type: string }).type === 'refunded');
      expect(refund?.data).toMatchObject({ operation: { type: 'refunded', amount: 100, orderId: id } });
    }
  });

  it('a move other than a cancel keeps seed 001 event fields only', async () => {
    const { id } = await orderIn('confirmed');
    const ev = (await orderEvents(t.app, id)).filter((e) => e.type === 'order-status-updated').at(-1)!;
    expect(Object.keys(ev.data).sort()).toEqual(['newStatus', 'oldStatus', 'orderId', 'timestamp']);
  });
});

describe('customer cancel', () => {
  it('allowed while pending or confirmed (customer_asked, their words as the note), refused after', async () => {
    for (const status of ORDER_STATUSES) {
      const { id, token } = await orderIn(status);
      const res = await t.app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: bearer(token), payload: { reason: 'ordered twice' } });
      if (status === 'pending' || status === 'confirmed') {
        expect({ status, code: res.statusCode }).toEqual({ status, code: 200 });
        expect(res.json().order).toMatchObject({ status: 'cancelled', cancel_reason: 'customer_asked', cancel_note: 'ordered twice' });
      } else {
        expect({ status, code: res.statusCode }).toEqual({ status, code: 409 });
        expect(await statusOf(id)).toBe(status);
      }
    }
  });

  it("another customer's order is not there (404); a customer cannot use the staff route (403)", async () => {
    const { id, token } = await orderIn('pending');
    const other = await signInCustomer(t.app);
    expect((await t.app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: bearer(other.token) })).statusCode).toBe(404);
    expect((await staffMove(token, id, { status: 'cancelled', reason: 'other' })).statusCode).toBe(403);
    expect(await statusOf(id)).toBe('pending');
  });

  it('a bare POST cancels and records customer_asked with no note', async () => {
    const { id, token } = await orderIn('confirmed');
    const res = await t.app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: bearer(token) });
    expect(res.json().order).toMatchObject({ status: 'cancelled', cancel_reason: 'customer_asked', cancel_note: null });
  });
});
