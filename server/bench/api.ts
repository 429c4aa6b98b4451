/**
 * `npm run bench:api`: orders per second through POST /api/orders on this machine.
 *
 * Starts the real server as a child process (temp SQLite file, WAL; or N processes on PostgreSQL), signs in customers through
 * /api/auth/telegram, then drives
 * POST /api/orders with autocannon: every request a real order (1–3 dishes, a third of them
 * paying with bonuses, a unique Idempotency-Key). Prints a table and writes
 * bench/results/api-pos-{off,on}-{sqlite,postgres}-<N>n.json.
 *
 * BENCH_POS=off (default) measures the API alone: no POS sync worker. BENCH_POS=on measures the
 * whole system as `npm start` runs it on one machine: the POS simulator in the server's process,
 * the sync worker sending every order to it and the kitchen calling back, all on the same cores.
 *
 * Knobs (env): BENCH_CONNECTIONS (50), BENCH_DURATION_S (10), BENCH_ROUNDS (3), BENCH_CUSTOMERS (200), BENCH_POS (off|on),
 * BENCH_CPU_PROF=1 (writes the server's .cpuprofile to bench/results/ — profile before guessing).
 * BENCH_DATABASE_URL (a PostgreSQL server: a fresh database on it) and BENCH_NODES (1): see
 * bench-database.ts. With N nodes the connections are split over them, one autocannon per node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { demoInitData } from '../src/auth/telegram';
import { DEMO_OPTION_GROUPS, demoDeliveryPoint, demoPickupPoint } from '../src/db/seed-data';
import { benchDatabase, benchSetup, type BenchDatabase } from './bench-database';
import { BENCH_BOT_TOKEN, freePort, startServerNodes } from './server-process';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 200);
const WITH_POS = (process.env.BENCH_POS ?? 'off') === 'on';

/** Dishes on the menu in every city (9 and 17 are on a city's stop-list in the demo data). */
const DISHES = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21];
/** Dishes with a required choice (a portion, a size) are ordered with its first option, as a customer must. */
const REQUIRED = new Map<number, number[]>();
for (const g of DEMO_OPTION_GROUPS) if (g.minChoices > 0) REQUIRED.set(g.productId, [...(REQUIRED.get(g.productId) ?? []), g.options[0]!.id]);

/** Orders/s as printed: whole numbers, one decimal below 10 (a stalled run must not read as 0). */
const rate = (x: number) => x.toFixed(x < 10 ? 1 : 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await benchDatabase();
  if (WITH_POS && db.nodes > 1) {
    await db.drop();
    throw new Error('BENCH_POS=on runs the POS simulator inside the server: one node only');
  }
  try {
    await measure(db);
  } finally {
    await db.drop();
  }
}

/** One autocannon's figures for one node in one round. */
interface NodeRound {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

async function measure(db: BenchDatabase) {
  const posPort = WITH_POS ? await freePort() : 0;
  const servers = await startServerNodes(
    db,
    {
      POS_SIM_PORT: String(posPort),
      POS_URL: WITH_POS ? `http://127.0.0.1:${posPort}` : 'http://127.0.0.1:9',
      POS_SYNC_WORKER: String(WITH_POS),
    },
    { name: 'api', cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(here, 'results') : undefined },
  );
  const bases = servers.nodes.map((n) => n.base);
  try {
    const tokens: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const initData = demoInitData({ id: 900_000_000 + i, first_name: `Bench${i}` }, BENCH_BOT_TOKEN);
      const res = await fetch(`${bases[i % bases.length]}/api/auth/telegram`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initData }) });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      tokens.push(((await res.json()) as { token: string }).token);
    }

    let seq = 0;
    const body = (n: number) => {
      const items = Array.from({ length: 1 + (n % 3) }, (_, k) => {
        const productId = DISHES[(n * 7 + k * 5) % DISHES.length]!;
        const options = REQUIRED.get(productId);
        return { productId, quantity: 1 + (k % 2), ...(options && { options }) };
      });
      return JSON.stringify({ cityId: 1 + (n % 3), restaurantId: demoPickupPoint(1 + (n % 3)), items, delivery: n % 2 ? { type: 'pickup' } : { type: 'delivery', address: 'Bench street 1', location: demoDeliveryPoint(1 + (n % 3)) } });
    };
    // The load is spread from here, not through a balancer (which would take its share of the 2 cores):
    // one autocannon per node, the connections split between them, all running at once.
    const split = bases.map((_, i) => Math.floor(CONNECTIONS / bases.length) + (i < CONNECTIONS % bases.length ? 1 : 0));
    if (split.some((c) => c < 1)) throw new Error(`BENCH_CONNECTIONS (${CONNECTIONS}) must be at least BENCH_NODES (${bases.length})`);

    const rounds: (NodeRound & { nodes: NodeRound[] })[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const results = await Promise.all(
        bases.map((url, i) =>
          autocannon({
            url,
            connections: split[i]!,
            duration: DURATION,
            requests: [
              {
                method: 'POST',
                path: '/api/orders',
                setupRequest: (req) => {
                  const n = seq++;
                  return {
                    ...req,
                    headers: {
                      'content-type': 'application/json',
                      authorization: `Bearer ${tokens[n % tokens.length]}`,
                      'idempotency-key': `bench-${r}-${n}`,
                    },
                    body: body(n),
                  };
                },
              },
            ],
          }),
        ),
      );
      const nodes: NodeRound[] = results.map((x) => ({ rps: x.requests.average, p50: x.latency.p50, p99: x.latency.p99, errors: x.errors, non2xx: x.non2xx, total: x.requests.total }));
      // Orders/s add up over the nodes; the latencies are the slowest node's (percentiles do not add).
      const round = {
        rps: nodes.reduce((a, x) => a + x.rps, 0),
        p50: Math.max(...nodes.map((x) => x.p50)),
        p99: Math.max(...nodes.map((x) => x.p99)),
        errors: nodes.reduce((a, x) => a + x.errors, 0),
        non2xx: nodes.reduce((a, x) => a + x.non2xx, 0),
        total: nodes.reduce((a, x) => a + x.total, 0),
        nodes,
      };
      rounds.push(round);
      const perNode = nodes.length > 1 ? ` (per node ${nodes.map((x) => rate(x.rps)).join(' + ')})` : '';
      process.stderr.write(`round ${r + 1}: ${rate(round.rps)} orders/s, ${round.total} orders${perNode}, p50 ${round.p50} ms, p99 ${round.p99} ms, non-2xx ${round.non2xx}, errors ${round.errors}\n`);
    }

    const summary = {
      machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg().map((x) => Number(x.toFixed(2))) },
      database: db.label,
      nodes: db.nodes,
      settings: { connections: CONNECTIONS, connectionsPerNode: split, durationS: DURATION, rounds: ROUNDS, customers: CUSTOMERS, posSimulator: WITH_POS },
      median: { ordersPerSecond: Number(rate(median(rounds.map((x) => x.rps)))), p50Ms: median(rounds.map((x) => x.p50)), p99Ms: median(rounds.map((x) => x.p99)) },
      rounds,
    };
    const setup = benchSetup(db);
    const txn = db.dialect === 'sqlite' ? 'one SQLite transaction' : 'one PostgreSQL transaction';
    console.log(`\nPOST /api/orders on ${setup} (each request = one order in ${txn}, with its outbox events and POS job)`);
    console.log(`database: ${db.label}`);
    if (db.nodes > 1) console.log(`${db.nodes} server processes on the one database, LISTEN/NOTIFY bus; one autocannon per node (${split.join(' + ')} connections), run at once: orders/s summed, p50/p99 the slowest node's`);
    console.log(
      `machine: ${summary.machine.cores} cores, ${summary.machine.memoryGiB} GiB, Node ${summary.machine.node}, load average at the end ${summary.machine.loadAverage.join(' ')}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s, POS simulator ${WITH_POS ? 'on' : 'off'}`,
    );
    console.log('| round | orders/s | p50 ms | p99 ms | non-2xx |');
    console.log('|---|---|---|---|---|');
    rounds.forEach((x, i) => console.log(`| ${i + 1} | ${rate(x.rps)} | ${x.p50} | ${x.p99} | ${x.non2xx} |`));
    console.log(`| **median** | **${summary.median.ordersPerSecond}** | **${summary.median.p50Ms}** | **${summary.median.p99Ms}** | |`);
    const out = resolve(here, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `api-pos-${WITH_POS ? 'on' : 'off'}-${db.dialect}-${db.nodes}n.json`), JSON.stringify(summary, null, 2));
    if (rounds.some((x) => x.non2xx > 0 || x.errors > 0)) process.exitCode = 1;
  } finally {
    await servers.stop();
  }
}

await main();
