import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireService } from '../helpers/services';
import { sleep, until } from '../realtime/helpers';
import { Cluster, NodeClient } from './helpers';

/**
 * Three real server nodes (one SQLite file, Redis between them) behind the balancer of `npm run
 * cluster`, the POS simulator behind them: a node killed mid-stream, then a rolling restart, under a
 * steady stream of orders. Nothing an order or an event may be lost or repeated.
 */
describe('three nodes behind the balancer', await requireService('redis'), () => {
  let cluster: Cluster;
  let clients: NodeClient[] = [];
  let staffRooms: { manager: string; admin: string };

  beforeAll(async () => {
    cluster = await Cluster.start(3);
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

  /** Customers on WS and SSE, a manager and an admin, spread by the balancer over the nodes. */
  async function connectClients(base: number): Promise<{ tokens: string[] }> {
    const customers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => cluster.customer(base + i)));
    clients = [
      ...customers.map((c, i) => new NodeClient(cluster.url, c.token, [`user-${c.userId}`], i % 2 ? 'sse' : 'ws')),
      new NodeClient(cluster.url, staffRooms.manager, ['city-1-orders'], 'ws'),
      new NodeClient(cluster.url, staffRooms.admin, ['admin-orders'], 'sse'),
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
    const head = cluster.logHead();
    await until(() => clients.every((c) => c.caughtUp(cluster, head)), 30_000, 'every client to catch up').catch((err: Error) => {
      const state = clients.map((c) => `${c.rooms.join(',')} ${c.rt.status} via ${c.rt.transport}: last ${c.rawIds.at(-1)} of ${c.logLast(cluster, head)}, seen ${c.statuses.join('>')}`);
      throw new Error(`${err.message}\n${state.join('\n')}`);
    });
    for (const c of clients) {
      const { got, want } = c.check(cluster, head);
      expect(got, `client of ${c.rooms.join(',')}`).toEqual(want);
    }
    // Each order that got a 201 exists exactly once, and no retry made another.
    const keys = placed.map((p) => p.key);
    const rows = cluster.db(
      (db) => db.prepare(`SELECT id, idempotency_key AS k FROM orders WHERE idempotency_key IN (${keys.map(() => '?').join(',')})`).all(...keys) as { id: number; k: string }[],
    );
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(placed.map((p) => p.id).sort((a, b) => a - b));
    // The POS gets each order exactly once (a re-sent one is recognised by its id, never doubled).
    await until(
      () => cluster.db((db) => (db.prepare("SELECT COUNT(*) AS n FROM pos_sync_jobs WHERE status <> 'done'").get() as { n: number }).n === 0),
      30_000,
      'every order synced to the POS',
    );
    const pos = (await (await fetch(`${cluster.pos.url}/orders`)).json()) as { orders: { externalId: number }[] };
    const counts = new Map<number, number>();
    for (const o of pos.orders) counts.set(o.externalId, (counts.get(o.externalId) ?? 0) + 1);
    for (const p of placed) expect(counts.get(p.id), `order ${p.id} at the POS`).toBe(1);
  }

  it('kill -9 of a node mid-stream: its clients resume on the others with no gap and no repeat; every 201 order once, at the POS once', async () => {
    const { tokens } = await connectClients(940_000_000);
    const stream = orderStream(tokens, 50);
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
    const stream = orderStream(tokens, 100);
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
});
