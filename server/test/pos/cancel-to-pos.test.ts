import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import {
  buildServer,
  jobOf,
  orderEvents,
  orderRow,
  posOrders,
  sendWebhook,
  setControl,
  sleep,
  usePosEnv,
  startSimulator,
  waitFor,
} from './helpers';
import type { FastifyInstance } from 'fastify';

/**
 * Issue 14: the POS hears every cancel of an order it has, over HTTP, exactly once: through the
 * outbox (job kind `cancel`), retried across an outage and a restart; its kitchen stops; a cancel
 * the POS refuses (already delivered) is a plain-words alert for staff.
 */
const cancelAs = async (app: FastifyInstance, token: string, id: number, reason = 'out_of_stock', note?: string) => {
  const res = await app.inject({ method: 'POST', url: `/api/admin/orders/${id}/status`, headers: bearer(token), payload: { status: 'cancelled', reason, ...(note && { note }) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().order;
};

describe('POS cancel through the outbox', () => {
  let admin: string;
  let customer: string;
  const env = usePosEnv();
  beforeAll(async () => {
    admin = (await signInStaff(env.app, 'admin')).token;
    customer = (await signInCustomer(env.app)).token;
  });

  const syncedOrder = async (body: Record<string, unknown> = {}) => {
    const id = (await placeOrder(env.app, customer, body)).json().order.id as number;
    await waitFor(async () => (await orderRow(env.app, id)).status === 'confirmed', `order ${id} in the POS`);
    return id;
  };

  it('a cooking order cancelled by a manager: the POS is told once, its kitchen stops, sync-success says cancel', async () => {
    const { app, sim } = env;
    const id = await syncedOrder({ delivery: { type: 'delivery', address: 'Tverskaya 1' } });
    await setControl(sim, { kitchenSpeed: 20 });
    await waitFor(async () => (await orderRow(app, id)).status === 'preparing', 'cooking');
    await cancelAs(app, admin, id, 'out_of_stock', 'no paprika');
    await waitFor(async () => (await jobOf(app, id, 'cancel'))?.status === 'done', 'cancel sent');
    const [pos] = await posOrders(sim, id);
    expect(pos).toMatchObject({ status: 'cooking', cancelReason: 'out_of_stock', cancelRequests: 1, cancelledAt: expect.any(String) });
    // Long enough for the kitchen to have moved on (cooking + ready + on the way at this speed), were it still cooking.
    await sleep(2_600);
    const [after] = await posOrders(sim, id);
    expect(after!.status).toBe('cooking');
    expect(after!.history.map((h) => h.status)).toEqual(['accepted', 'cooking']);
    expect(after!.cancelRequests).toBe(1);
    expect((await orderRow(app, id)).status).toBe('cancelled');
    const sync = (await orderEvents(app, id)).filter((e) => e.type === 'sync-success' || e.type === 'sync-error');
    expect(sync.map((e) => [e.type, e.data.action ?? 'send'])).toEqual([
      ['sync-success', 'send'],
      ['sync-success', 'cancel'],
    ]);
    const detail = (await app.inject({ url: `/api/admin/orders/${id}`, headers: bearer(admin) })).json().order;
    expect(detail.sync).toMatchObject({ status: 'synced', cancel: { status: 'done', last_error_code: null } });
    await setControl(sim, { kitchenSpeed: 0 });
  });

  it("the customer's own cancel of a confirmed order reaches the POS too; the simulator's cancel is idempotent", async () => {
    const { app, sim } = env;
    const id = await syncedOrder();
    const res = await app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: bearer(customer), payload: {} });
    expect(res.statusCode).toBe(200);
    await waitFor(async () => (await jobOf(app, id, 'cancel'))?.status === 'done', 'cancel sent');
    const [pos] = await posOrders(sim, id);
    expect(pos).toMatchObject({ cancelReason: 'customer_asked', cancelRequests: 1 });
    // The same cancel again (as a retry after a lost answer would): the same answer, nothing new.
    const again = await fetch(`${sim.url}/orders/${pos!.posOrderId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"customer_asked"}' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'cancelled', duplicate: true });
    const unknown = await fetch(`${sim.url}/orders/GUL-999999/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"other"}' });
    expect(unknown.status).toBe(404);
  });

  it('cancelled while its send was on the way and the POS took it: the cancel follows, once', async () => {
    const { app, sim } = env;
    await setControl(sim, { latencyMs: 400 });
    let id = 0;
    try {
      id = (await placeOrder(app, customer)).json().order.id as number;
      await waitFor(async () => (await jobOf(app, id)).status === 'in_flight', 'send in flight');
      await cancelAs(app, admin, id, 'duplicate');
      await waitFor(async () => (await jobOf(app, id, 'cancel'))?.status === 'done', 'cancel sent after the send got through');
    } finally {
      await setControl(sim, { latencyMs: 0 });
    }
    expect(await orderRow(app, id)).toMatchObject({ status: 'cancelled', sync_status: 'synced' });
    const [pos] = await posOrders(sim, id);
    expect(pos).toMatchObject({ requests: 1, cancelRequests: 1, cancelReason: 'duplicate' });
  });

  it('across a POS outage: sync-error with action cancel while it is down, then sent exactly once', async () => {
    const { app, sim } = env;
    const id = await syncedOrder();
    await setControl(sim, { outage: 'refuse' });
    try {
      await cancelAs(app, admin, id, 'courier_unreachable');
      await waitFor(async () => ((await jobOf(app, id, 'cancel'))?.attempts ?? 0) >= 2, 'cancel attempts failing');
      const errors = (await orderEvents(app, id)).filter((e) => e.type === 'sync-error');
      expect(errors.length).toBeGreaterThanOrEqual(2);
      expect(errors[0]!.data).toMatchObject({ entity: 'order', action: 'cancel', entityId: id, code: 'unreachable', nextRetryAt: expect.any(String) });
      // The order's own sync state stays: the POS has it.
      expect((await orderRow(app, id)).sync_status).toBe('synced');
    } finally {
      await setControl(sim, { outage: false });
    }
    await waitFor(async () => (await jobOf(app, id, 'cancel'))?.status === 'done', 'cancel sent after the outage');
    const [pos] = await posOrders(sim, id);
    expect(pos).toMatchObject({ cancelRequests: 1, cancelReason: 'courier_unreachable' });
    expect((await orderEvents(app, id)).filter((e) => e.type === 'sync-success' && e.data.action === 'cancel')).toHaveLength(1);
  });

  it('a cancel the POS refuses (already delivered): a sync-error ALREADY_COMPLETED in plain words; late kitchen steps are ignored quietly', async () => {
    const { app, sim, serverUrl } = env;
    const id = await syncedOrder({ delivery: { type: 'delivery', address: 'Tverskaya 1' } });
    const number = (await testSql(app).get<{ order_number: string }>('SELECT order_number FROM orders WHERE id = @id', { id }))!.order_number;
    await setControl(sim, { kitchenSpeed: 40 });
    await waitFor(async () => (await orderRow(app, id)).status === 'delivering', 'on the way', 15_000, 5);
    // The kitchen's "delivered" callback cannot reach the server (yet): the POS has delivered it, the server does not know.
    sim.setServerUrl('http://127.0.0.1:9');
    await waitFor(async () => (await posOrders(sim, id))[0]!.status === 'delivered', 'delivered in the POS', 15_000);
    await setControl(sim, { kitchenSpeed: 0 });
    await cancelAs(app, admin, id, 'courier_unreachable');
    await waitFor(async () => (await jobOf(app, id, 'cancel'))?.status === 'failed', 'cancel refused');
    expect(await jobOf(app, id, 'cancel')).toMatchObject({ attempts: 1, last_error_code: 'ALREADY_COMPLETED' });
    const alert = (await orderEvents(app, id)).filter((e) => e.type === 'sync-error');
    expect(alert).toHaveLength(1);
    expect(alert[0]!.data).toMatchObject({
      entity: 'order',
      action: 'cancel',
      code: 'ALREADY_COMPLETED',
      nextRetryAt: null,
      error: `The kitchen had already delivered order ${number}; the cancel did not reach it`,
    });
    expect(alert[0]!.rooms).toEqual(['admin-orders', 'city-1-orders']);
    const overview = (await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json();
    expect(overview.problems.find((j: { order_id: number }) => j.order_id === id)).toMatchObject({ kind: 'cancel', job_status: 'failed', last_error_code: 'ALREADY_COMPLETED' });
    const retry = await app.inject({ method: 'POST', url: `/api/admin/sync/${id}/retry`, headers: bearer(admin) });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error).toBe('already_completed');

    // The delivered callback arrives late: acknowledged, the order stays cancelled.
    sim.setServerUrl(serverUrl);
    await waitFor(async () => (await posOrders(sim, id))[0]!.deliveredStatus === 'delivered', 'late callback acknowledged');
    expect((await orderRow(app, id)).status).toBe('cancelled');
    const [pos] = await posOrders(sim, id);
    const late = await sendWebhook(serverUrl, { eventId: `${pos!.posOrderId}:delivered`, posOrderId: pos!.posOrderId, externalId: id, status: 'delivered', timestamp: new Date().toISOString() });
    expect(late).toEqual({ status: 200, json: { applied: false, reason: 'cancelled', status: 'cancelled' } });
  });
});

describe('POS cancel across a server restart', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-cancel-restart-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a cancel queued while the POS was down is sent once by the next server process', async () => {
    const sim = await startSimulator();
    try {
      const first = await buildServer(sim, {}, { dir });
      const admin = (await signInStaff(first.app, 'admin')).token;
      const { token } = await signInCustomer(first.app, { id: 777_000_014 });
      const id = (await placeOrder(first.app, token)).json().order.id as number;
      await waitFor(async () => (await orderRow(first.app, id)).status === 'confirmed', 'in the POS');
      await setControl(sim, { outage: 'refuse' });
      await cancelAs(first.app, admin, id, 'duplicate');
      await waitFor(async () => ((await jobOf(first.app, id, 'cancel'))?.attempts ?? 0) >= 1, 'a failed attempt');
      await first.close();
      await setControl(sim, { outage: false });
      expect((await posOrders(sim, id))[0]!.cancelRequests).toBe(0);

      const second = await buildServer(sim, {}, { dir });
      try {
        await waitFor(async () => (await jobOf(second.app, id, 'cancel'))?.status === 'done', 'cancel sent by the second process');
        expect((await posOrders(sim, id))[0]).toMatchObject({ cancelRequests: 1, cancelReason: 'duplicate' });
      } finally {
        await second.close();
      }
    } finally {
      await sim.close();
    }
  });
});
