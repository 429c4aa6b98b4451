import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosSimulator } from '../../src/pos/simulator/index';
import { onPostgres, placeOrder, signInCustomer, type TestApp } from '../helpers/app';
import { freshDatabase, type TestDatabase } from '../helpers/pg';
import { buildServer, lastEventId, orderRow, posOrders, readEvents, setControl, startSimulator, waitFor } from './helpers';

/**
 * Two server processes (two app instances, each with its own POS worker and menu import) on ONE
 * PostgreSQL database, against one POS simulator, which counts the requests it gets per order.
 * (On SQLite several processes share one file through Redis: realtime/redis*.test.ts.)
 */
describe.skipIf(!onPostgres)('two nodes on one PostgreSQL database, one POS', () => {
  let db: TestDatabase;
  let sim: PosSimulator;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await freshDatabase('oc_two_nodes');
    sim = await startSimulator();
    // The menu is imported at start and when a test asks: no timer runs during the tests.
    const env = { DATABASE_URL: db.url, MENU_SYNC_INTERVAL_MS: '600000', POS_MAX_ATTEMPTS: '100' };
    a = await buildServer(sim, env);
    b = await buildServer(sim, env);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await sim?.close();
    await db?.drop();
  });

  it('each order reaches the POS exactly once, also when both nodes retry the same jobs after an outage', async () => {
    const { token } = await signInCustomer(a.app);
    const ids: number[] = [];
    const place = async (node: TestApp) => {
      const res = await placeOrder(node.app, token);
      expect(res.statusCode).toBe(201);
      ids.push(res.json().order.id as number);
    };
    // Taken at once by the node that wrote them.
    for (let i = 0; i < 6; i++) await place(i % 2 ? b : a);
    // While the POS refuses connections the jobs come due together, and both nodes wake for them
    // (each node reads when the next job is due from the shared table): every retry is a race.
    await setControl(sim, { outage: 'refuse' });
    for (let i = 0; i < 10; i++) await place(i % 2 ? b : a);
    await waitFor(async () => (await readEvents(a.app)).filter((e) => e.type === 'sync-error').length >= 20, 'failed attempts during the outage');
    await setControl(sim, { outage: false });
    for (const id of ids) await waitFor(async () => (await orderRow(b.app, id)).sync_status === 'synced', `order ${id} synced`);

    const pos = await posOrders(sim);
    for (const id of ids) {
      const mine = pos.filter((o) => o.externalId === id);
      expect(mine, `order ${id} in the POS`).toHaveLength(1);
      expect(mine[0]!.requests, `requests for order ${id}`).toBe(1);
    }
    const successes = (await readEvents(a.app)).filter((e) => e.type === 'sync-success' && e.data.entity === 'order');
    expect(successes.map((e) => e.data.entityId).sort((x, y) => Number(x) - Number(y))).toEqual([...ids].sort((x, y) => x - y));
  });

  it('a menu change imported by both nodes at once is written and announced once', async () => {
    const before = await lastEventId(a.app);
    const res = await fetch(`${sim.url}/menu/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cityId: 1, code: 'GL-0003', price: 333 }),
    });
    expect(res.status).toBe(200);
    await Promise.all([a.app.pos.menu.run(), b.app.pos.menu.run()]);
    const updates = (await readEvents(a.app, before)).filter((e) => e.type === 'menu-updated');
    expect(updates.map((e) => ({ ...e.data, timestamp: 'x' }))).toEqual([{ cityId: 1, productId: 3, available: true, price: 333, timestamp: 'x' }]);
    expect(await a.app.pos.menu.state()).toMatchObject({ status: 'ok', last_changes: 0 });
  });
});
