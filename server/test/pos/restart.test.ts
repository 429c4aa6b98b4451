import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSimulator } from '../../src/pos/simulator/index';
import { placeOrder, signInCustomer } from '../helpers/app';
import { testSql } from '../helpers/db';
import { buildServer, jobOf, orderEvents, orderRow, posOrders, setControl, startSimulator, waitFor } from './helpers';

describe('POS sync survives restarts', () => {
  let sim: PosSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'ordercast-pos-restart-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a server killed between commit and sync, or mid-send, syncs the orders on the next start, each once', async () => {
    // First life: orders are taken, but this process dies before its worker sends them.
    const first = await buildServer(sim, { POS_SYNC_WORKER: 'false' }, { dir });
    const { token } = await signInCustomer(first.app, { id: 777_000_001 });
    const a = (await placeOrder(first.app, token)).json().order.id as number;
    const b = (await placeOrder(first.app, token, { items: [{ productId: 3, quantity: 1 }] })).json().order.id as number;
    // b was being sent by a process that crashed: leased, lease long expired.
    await testSql(first.app).run("UPDATE pos_sync_jobs SET status = 'in_flight', lease_until = '2000-01-01T00:00:00.000Z' WHERE entity_id = @b", { b });
    expect((await jobOf(first.app, a)).status).toBe('pending');
    await first.close();
    expect(await posOrders(sim)).toEqual([]);

    // Second life on the same database: both jobs are picked up at start.
    const second = await buildServer(sim, {}, { dir });
    try {
      for (const id of [a, b]) await waitFor(async () => (await orderRow(second.app, id)).sync_status === 'synced', `order ${id} synced after restart`);
      for (const id of [a, b]) {
        const pos = await posOrders(sim, id);
        expect(pos).toHaveLength(1);
        expect(pos[0]!.requests).toBe(1);
        expect(await orderRow(second.app, id)).toMatchObject({ status: 'confirmed', pos_order_id: pos[0]!.posOrderId });
        expect(await jobOf(second.app, id)).toMatchObject({ status: 'done', attempts: 0, lease_until: null });
        expect((await orderEvents(second.app, id)).filter((e) => e.type === 'sync-success')).toHaveLength(1);
      }
    } finally {
      await second.close();
    }
  });

  it('shutting down during a hanging send is quick and hands the job back for the next start', async () => {
    await setControl(sim, { outage: 'hang' });
    const first = await buildServer(sim, { POS_TIMEOUT_MS: '20000' }, { dir });
    const { token } = await signInCustomer(first.app, { id: 777_000_001 });
    const id = (await placeOrder(first.app, token)).json().order.id as number;
    await waitFor(async () => (await jobOf(first.app, id)).status === 'in_flight', 'send in flight');
    const started = Date.now();
    await first.close();
    expect(Date.now() - started).toBeLessThan(2_000);

    await setControl(sim, { outage: false });
    const second = await buildServer(sim, {}, { dir });
    try {
      // Released, not leased for 25 s: no attempt was counted and it is sent at once.
      await waitFor(async () => (await orderRow(second.app, id)).sync_status === 'synced', 'synced after restart', 3_000);
      expect((await jobOf(second.app, id)).attempts).toBe(0);
      expect(await posOrders(sim, id)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
