/**
 * `npm run bench:api`: orders per second through POST /api/orders on this machine.
 *
 * Starts the real server as a child process (temp SQLite file, WAL), signs in customers through
 * /api/auth/telegram, then drives
 * POST /api/orders with autocannon: every request a real order (1–3 dishes, a third of them
 * paying with bonuses, a unique Idempotency-Key). Prints a table and writes bench/results/api-pos-{off,on}.json.
 *
 * BENCH_POS=off (default) measures the API alone: no POS sync worker. BENCH_POS=on measures the
 * whole system as `npm start` runs it on one machine: the POS simulator in the server's process,
 * the sync worker sending every order to it and the kitchen calling back, all on the same cores.
 *
 * Knobs (env): BENCH_CONNECTIONS (50), BENCH_DURATION_S (10), BENCH_ROUNDS (3), BENCH_CUSTOMERS (200), BENCH_POS (off|on),
 * BENCH_CPU_PROF=1 (writes the server's .cpuprofile to bench/results/ — profile before guessing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { demoInitData } from '../src/auth/telegram';
import { DEMO_OPTION_GROUPS, demoDeliveryPoint, demoPickupPoint } from '../src/db/seed-data';
import { BENCH_BOT_TOKEN, freePort, startServerProcess } from './server-process';

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const posPort = WITH_POS ? await freePort() : 0;
  const server = await startServerProcess(
    {
      POS_SIM_PORT: String(posPort),
      POS_URL: WITH_POS ? `http://127.0.0.1:${posPort}` : 'http://127.0.0.1:9',
      POS_SYNC_WORKER: String(WITH_POS),
    },
    { name: 'api', cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(here, 'results') : undefined },
  );
  const base = server.base;
  try {
    const tokens: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const initData = demoInitData({ id: 900_000_000 + i, first_name: `Bench${i}` }, BENCH_BOT_TOKEN);
      const res = await fetch(`${base}/api/auth/telegram`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initData }) });
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

    const rounds: { rps: number; p50: number; p99: number; errors: number; non2xx: number; total: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const result = await autocannon({
        url: base,
        connections: CONNECTIONS,
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
      });
      rounds.push({
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors,
        non2xx: result.non2xx,
        total: result.requests.total,
      });
      process.stderr.write(`round ${r + 1}: ${result.requests.average.toFixed(0)} orders/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}\n`);
    }

    const summary = {
      machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      settings: { connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, customers: CUSTOMERS, posSimulator: WITH_POS },
      median: { ordersPerSecond: Math.round(median(rounds.map((x) => x.rps))), p50Ms: median(rounds.map((x) => x.p50)), p99Ms: median(rounds.map((x) => x.p99)) },
      rounds,
    };
    console.log('\nPOST /api/orders (each request = one order in one SQLite transaction, with its outbox events and POS job)');
    console.log(`machine: ${summary.machine.cores} cores, ${summary.machine.memoryGiB} GiB, Node ${summary.machine.node}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s, POS simulator ${WITH_POS ? 'on' : 'off'}`);
    console.log('| round | orders/s | p50 ms | p99 ms | non-2xx |');
    console.log('|---|---|---|---|---|');
    rounds.forEach((x, i) => console.log(`| ${i + 1} | ${x.rps.toFixed(0)} | ${x.p50} | ${x.p99} | ${x.non2xx} |`));
    console.log(`| **median** | **${summary.median.ordersPerSecond}** | **${summary.median.p50Ms}** | **${summary.median.p99Ms}** | |`);
    const out = resolve(here, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `api-pos-${WITH_POS ? 'on' : 'off'}.json`), JSON.stringify(summary, null, 2));
    if (rounds.some((x) => x.non2xx > 0 || x.errors > 0)) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
