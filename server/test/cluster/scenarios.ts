import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { sleep, until } from '../realtime/helpers';
import { Cluster, NodeClient, type ClusterDb } from './helpers';

export interface ScenarioOptions {
  /** Staff clients besides the six customers (managers of city 1 and admins, on both transports); default 2. */
  staffClients?: number;
  /** Pause of each of the six ordering customers between an order's 201 and the next; default 50 ms. */
  gapMs?: number;
}

/**
 * What three nodes behind the balancer must survive, on either deployment (helpers.ts): a node
 * killed mid-stream, then a rolling restart, under a steady stream of orders. No order and no
 * event may be lost or repeated. Call inside a `describe` (it adds the hooks and the two tests);
 * `cluster()` is the running cluster, for more tests in the same describe.
 */
export function multiNodeScenarios(db: ClusterDb, opts: ScenarioOptions = {}): { cluster: () => Cluster } {
  const staffClients = opts.staffClients ?? 2;
  const gapMs = opts.gapMs ?? 50;
  let cluster: Cluster;
  let clients: NodeClient[] = [];
  let staffRooms: { manager: string; admin: string };

  beforeAll(async () => {
    cluster = await Cluster.start(3, db);
    const [manager, admin] = await Promise.all([cluster.staff('manager1'), cluster.staff('admin')]);
    staffRooms = { manager: manager.token, admin: admin.token };
  }, 400_000);
  afterEach(() => {
    for (const c of clients) c.rt.close();
    clients = [];
  });
  afterAll(async () => {
    await cluster?.close();
  });

  /** Customers on WS and SSE, managers and admins on both, spread by the balancer over the nodes. */
  async function connectClients(base: number): Promise<{ tokens: string[] }> {
    const customers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => cluster.customer(base + i)));
    clients = [
      ...customers.map((c, i) => new NodeClient(cluster.url, c.token, [`user-${c.userId}`], i % 2 ? 'sse' : 'ws')),
      // Manager on WS, admin on SSE, then the other way round, and so on.
      ...Array.from({ length: staffClients }, (_, i) =>
        i % 2
          ? new NodeClient(cluster.url, staffRooms.admin, ['admin-orders'], i % 4 < 2 ? 'sse' : 'ws')
          : new NodeClient(cluster.url, staffRooms.manager, ['city-1-orders'], i % 4 < 2 ? 'ws' : 'sse'),
      ),
    ];
    // One at a time, so round-robin spreads them; one more request after each shifts the rotation
    // (an SSE client takes two turns, its ticket and its stream), so each node gets both kinds.
    for (const c of clients) {
      c.rt.connect();
      await until(() => c.rt.status === 'live' || c.rt.status === 'fallback-sse', 15_000, 'client live');
      await cluster.json('GET', '/api/cities');
    }
    return { tokens: customers.map((c) => c.token) };
  }

  /** Orders through the balancer, one after another from each customer, until `stop()`; every one retried to a 201. */
  function orderStream(tokens: string[], gapMs: number) {
    const placed: { id: number; attempts: number; key: string }[] = [];
    let running = true;
    const loops = tokens.map(async (token) => {
      while (running) {
        placed.push(await cluster.order(token));
        await sleep(gapMs);
      }
    });
    return {
      placed,
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  /** Every client has every event of its rooms up to the log's head, once, in order; every order once; the POS has each once. */
  async function verify(placed: { id: number; key: string }[]) {
    const log = await cluster.log(await cluster.logHead());
    await until(() => clients.every((c) => c.caughtUp(log)), 30_000, 'every client to catch up').catch((err: Error) => {
      const state = clients.map((c) => `${c.rooms.join(',')} ${c.rt.status} via ${c.rt.transport}: last ${c.rawIds.at(-1)} of ${c.logLast(log)}, seen ${c.statuses.join('>')}`);
      throw new Error(`${err.message}\n${state.join('\n')}`);
    });
    for (const c of clients) {
      const { got, want } = c.check(log);
      expect(got, `client of ${c.rooms.join(',')}`).toEqual(want);
    }
    // Each order that got a 201 exists exactly once, and no retry made another.
    const keys = placed.map((p) => p.key);
    const rows = await cluster.rows<{ id: number | string }>(`SELECT id FROM orders WHERE idempotency_key IN (${keys.map(() => '?').join(',')})`, keys);
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(placed.map((p) => p.id).sort((a, b) => a - b));
    // The POS gets each order exactly once (a re-sent one is recognised by its id, never doubled).
    const end = Date.now() + 30_000;
    for (;;) {
      const [pending] = await cluster.rows<{ n: number | string }>("SELECT COUNT(*) AS n FROM pos_sync_jobs WHERE status <> 'done'");
      if (Number(pending?.n) === 0) break;
      if (Date.now() > end) throw new Error(`timed out waiting for every order synced to the POS (${pending?.n} jobs not done)`);
      await sleep(200);
    }
    const pos = (await (await fetch(`${cluster.pos.url}/orders`)).json()) as { orders: { externalId: number }[] };
    const counts = new Map<number, number>();
    for (const o of pos.orders) counts.set(o.externalId, (counts.get(o.externalId) ?? 0) + 1);
    for (const p of placed) expect(counts.get(p.id), `order ${p.id} at the POS`).toBe(1);
  }

  it('kill -9 of a node mid-stream: its clients resume on the others with no gap and no repeat; every 201 order once, at the POS once', async () => {
    const { tokens } = await connectClients(940_000_000);
    const stream = orderStream(tokens, gapMs);
    await until(() => stream.placed.length >= 20, 20_000, 'orders flowing');
    // The node holding the most connections, preferably of both transports.
    const stats = await Promise.all(
      cluster.nodes.map(async (n) => (await n!.json('GET', '/ws/stats', undefined, staffRooms.admin)).body as { total: number; by_transport: Record<string, number> }),
    );
    const score = (s: { total: number; by_transport: Record<string, number> }) => s.total + (s.by_transport.ws && s.by_transport.sse ? 100 : 0);
    const victim = stats.reduce((best, s, i) => (score(s) > score(stats[best]!) ? i : best), 0);
    cluster.nodes[victim]!.kill('SIGKILL');
    await until(() => stream.placed.length >= 60, 40_000, 'orders after the kill');
    await stream.stop();
    await verify(stream.placed);
    // Some clients were on the killed node and came back (round-robin gave it a third of them).
    const moved = clients.filter((c) => c.statuses.includes('reconnecting'));
    expect(moved.length).toBeGreaterThan(0);
    for (const c of moved) expect(c.rt.status === 'live' || c.rt.status === 'fallback-sse').toBe(true);
    await cluster.restart(victim);
  }, 150_000);

  it('rolling restart (SIGTERM each node in turn, start it again) under a steady order stream: no failed order, no lost event', async () => {
    const { tokens } = await connectClients(950_000_000);
    const stream = orderStream(tokens, gapMs * 2);
    await until(() => stream.placed.length >= 10, 20_000, 'orders flowing');
    for (let i = 0; i < cluster.nodes.length; i++) {
      await cluster.nodes[i]!.stop(15_000);
      await cluster.restart(i);
    }
    const before = stream.placed.length;
    await until(() => stream.placed.length >= before + 10, 20_000, 'orders after the restart');
    await stream.stop();
    await verify(stream.placed);
    // The drained nodes said "restart" (1012) to their clients, who reconnected without backoff.
    expect(clients.some((c) => c.closes.includes(1012))).toBe(true);
  }, 600_000);

  return { cluster: () => cluster };
}
