import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, placeOrder, signInCustomer, signInStaff } from '../helpers/app';
import { testSql } from '../helpers/db';
import {
  buildServer,
  jobOf,
  lastEventId,
  orderEvents,
  orderRow,
  posOrders,
  setControl,
  sleep,
  usePosEnv,
  startSimulator,
  waitFor,
} from './helpers';

/**
 * Issue 11 item 8: jobs that used up their attempts during a POS outage used to stay unsent until
 * staff retried each one. Now the POS being healthy again re-arms them by itself.
 */
describe('POS sync: recovery after an outage that exhausted the attempts', () => {
  const env = usePosEnv({ POS_TIMEOUT_MS: '2000', POS_RETRY_BASE_MS: '20', POS_RETRY_MAX_MS: '100', POS_MAX_ATTEMPTS: '3' });
  beforeAll(async () => {
    // The first menu import is over before anything else: during the outage only the sync talks to the POS.
    await waitFor(async () => (await env.app.pos.menu.state()).status === 'ok', 'first menu import');
  });

  it('sends every order exactly once when the POS is back, with no staff action', async () => {
    const { app, sim } = env;
    await setControl(sim, { outage: 'refuse' });
    const before = await lastEventId(app);
    const { token } = await signInCustomer(app);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await placeOrder(app, token, { cityId: 1 + (i % 2), items: [{ productId: 2 + (i % 3), quantity: 1 }] });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().order.id);
    }
    for (const id of ids) await waitFor(async () => (await jobOf(app, id)).status === 'failed', `order ${id} gave up`);
    for (const id of ids) {
      expect(await jobOf(app, id)).toMatchObject({ attempts: 3, last_error_code: 'unreachable' });
      expect((await orderRow(app, id)).sync_status).toBe('failed');
      const gaveUp = (await orderEvents(app, id, before)).filter((e) => e.type === 'sync-error').at(-1)!;
      expect(gaveUp.data).toMatchObject({ attempt: 3, nextRetryAt: null });
    }
    // While the POS stays down they stay failed, and staff see them as failed.
    await sleep(400);
    const admin = (await signInStaff(app, 'admin')).token;
    const view = (await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json();
    for (const id of ids) {
      expect(view.problems.find((p: { order_id: number }) => p.order_id === id)).toMatchObject({ job_status: 'failed', sync_status: 'failed' });
    }
    expect(view.pos).toBe('down');

    // The POS comes back; nobody touches anything.
    await setControl(sim, { outage: false });
    for (const id of ids) await waitFor(async () => (await orderRow(app, id)).sync_status === 'synced', `order ${id} synced by itself`);
    const pos = await posOrders(sim);
    for (const id of ids) {
      const inPos = pos.filter((o) => o.externalId === id);
      expect(inPos).toHaveLength(1);
      expect(inPos[0]!.requests).toBe(1);
      expect(await orderRow(app, id)).toMatchObject({ status: 'confirmed', pos_order_id: inPos[0]!.posOrderId });
      expect((await orderEvents(app, id, before)).filter((e) => e.type === 'sync-success')).toHaveLength(1);
      expect((await jobOf(app, id)).status).toBe('done');
    }
    expect((await app.inject({ url: '/api/admin/sync', headers: bearer(admin) })).json().problems).toEqual([]);
  });

  it('leaves an order the POS rejected for good failed (retrying cannot help it)', async () => {
    const { app, sim } = env;
    // A price the POS does not agree with: PRICE_MISMATCH is a business rejection, not an outage.
    await testSql(app).run('UPDATE product_prices SET price = @price WHERE product_id = @productId AND city_id = @cityId', { price: 30_000, productId: 4, cityId: 1 });
    const { token } = await signInCustomer(app);
    const id = (await placeOrder(app, token, { items: [{ productId: 4, quantity: 1 }] })).json().order.id as number;
    await waitFor(async () => (await jobOf(app, id)).status === 'failed', 'rejected');
    expect((await jobOf(app, id)).last_error_code).toBe('PRICE_MISMATCH');
    // Another order goes through (the POS is healthy), and the rejected one is not re-sent.
    const other = (await placeOrder(app, token, { items: [{ productId: 3, quantity: 1 }] })).json().order.id as number;
    await waitFor(async () => (await orderRow(app, other)).sync_status === 'synced', 'other synced');
    await sleep(300);
    expect(await jobOf(app, id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await posOrders(sim, id)).length).toBe(0);
  });
});

describe('POS sync: recovery across a restart', () => {
  it('jobs that gave up before a restart are sent once the restarted server sees the POS up', async () => {
    const sim = await startSimulator();
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-pos-recovery-'));
    const env = { POS_TIMEOUT_MS: '2000', POS_RETRY_BASE_MS: '20', POS_RETRY_MAX_MS: '100', POS_MAX_ATTEMPTS: '2' };
    try {
      const first = await buildServer(sim, env, { dir });
      await waitFor(async () => (await first.app.pos.menu.state()).status === 'ok', 'first menu import');
      await setControl(sim, { outage: 'refuse' });
      const { token } = await signInCustomer(first.app, { id: 777_100_001 });
      const ids = [
        (await placeOrder(first.app, token)).json().order.id as number,
        (await placeOrder(first.app, token, { items: [{ productId: 3, quantity: 1 }] })).json().order.id as number,
      ];
      for (const id of ids) await waitFor(async () => (await jobOf(first.app, id)).status === 'failed', `order ${id} gave up`);
      await first.close();

      await setControl(sim, { outage: false });
      const second = await buildServer(sim, env, { dir });
      try {
        for (const id of ids) await waitFor(async () => (await orderRow(second.app, id)).sync_status === 'synced', `order ${id} synced after the restart`);
        for (const id of ids) {
          const pos = await posOrders(sim, id);
          expect(pos).toHaveLength(1);
          expect(pos[0]!.requests).toBe(1);
        }
      } finally {
        await second.close();
      }
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
