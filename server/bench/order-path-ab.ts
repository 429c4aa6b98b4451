/**
 * `npm run bench:order-path-ab -- <repo> <repo> [...]`: `bench:order-path` for several checkouts of
 * the project (worktrees) in ONE process, their batches of 20 orders alternated, CPU time per batch.
 * Both sides see the same machine at the same moments, so the paired difference holds on a machine
 * shared with other work, where runs of `bench:order-path` one after another swing by a third.
 * A checkout from before the async data layer (`0ff0791`) runs its synchronous services.
 *
 * Knobs (env): BATCHES (600 per side, after 100 of warm-up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { testEnv } from '../test/helpers/env';

const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length === 0) throw new Error('usage: bench:order-path-ab -- <repo checkout> [<repo checkout> ...]');
const BATCH = 20;
const BATCHES = Number(process.env.BATCHES ?? 600);
type Side = { name: string; run: (n: number) => Promise<void>; close: () => Promise<void>; cpu: number[] };
const sides: Side[] = [];
for (const wt of roots) {
  const { buildApp } = await import(join(wt, 'server/src/app.ts'));
  const { loadConfig } = await import(join(wt, 'server/src/config/config.ts'));
  const seed = await import(join(wt, 'server/src/db/seed-data.ts'));
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-ab-'));
  const app = await buildApp(loadConfig(testEnv(dir)), { logger: false });
  await app.ready();
  const t = {
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const DISHES = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21];
  const REQUIRED = new Map<number, number[]>();
  for (const g of seed.DEMO_OPTION_GROUPS ?? []) if (g.minChoices > 0) REQUIRED.set(g.productId, [...(REQUIRED.get(g.productId) ?? []), g.options[0]!.id]);
  const insert = app.db.$client.prepare("INSERT INTO users (role, name, telegram_id) VALUES ('customer', ?, ?) RETURNING id");
  const customers = Array.from({ length: 200 }, (_, i) => (insert.get(`Bench${i}`, 900_000_000 + i) as { id: number }).id);
  const body = (n: number) => {
    const cityId = 1 + (n % 3);
    const items = Array.from({ length: 1 + (n % 3) }, (_, k) => {
      const productId = DISHES[(n * 7 + k * 5) % DISHES.length]!;
      const options = REQUIRED.get(productId);
      return { productId, quantity: 1 + (k % 2), ...(options && { options }) };
    });
    if (!seed.demoPickupPoint) return { cityId, items, delivery: n % 2 ? { type: 'pickup' } : { type: 'delivery', address: 'Bench street 1' } };
    return { cityId, restaurantId: seed.demoPickupPoint(cityId), items, delivery: n % 2 ? { type: 'pickup' } : { type: 'delivery', address: 'Bench street 1', location: seed.demoDeliveryPoint(cityId) } };
  };
  sides.push({
    name: basename(wt),
    cpu: [],
    close: () => t.close(),
    run: async (seq: number) => {
      if (!app.sql) {
        // Before the async data layer (0ff0791): synchronous services in a synchronous transaction.
        app.tx(() => {
          for (let k = 0; k < BATCH; k++) {
            const n = seq + k;
            app.orders.create(app.users.principal(customers[n % customers.length]!), body(n), `bench-${n}`);
          }
        });
        return;
      }
      await app.tx(async () => {
        for (let k = 0; k < BATCH; k++) {
          const n = seq + k;
          const principal = (await app.users.principal(customers[n % customers.length]!))!;
          await app.orders.create(principal, body(n), `bench-${n}`);
        }
      });
    },
  });
}
let seq = 0;
for (let w = 0; w < 100; w++) { for (const s of sides) await s.run(seq); seq += BATCH; } // warm-up
for (let b = 0; b < BATCHES; b++) {
  for (const s of b % 2 ? [...sides].reverse() : sides) {
    const c0 = process.cpuUsage();
    await s.run(seq);
    const c = process.cpuUsage(c0);
    s.cpu.push((c.user + c.system) / BATCH);
  }
  seq += BATCH;
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
for (const s of sides) console.log(`${s.name.padEnd(10)} µs CPU/order: p10 ${q(s.cpu, 0.1).toFixed(1)} p25 ${q(s.cpu, 0.25).toFixed(1)} p50 ${q(s.cpu, 0.5).toFixed(1)} mean ${(s.cpu.reduce((a, b) => a + b, 0) / s.cpu.length).toFixed(1)}`);
if (sides.length === 2) {
  const d = sides[0]!.cpu.map((x, i) => sides[1]!.cpu[i]! - x);
  console.log(`paired ${sides[1]!.name} − ${sides[0]!.name}: p25 ${q(d, 0.25).toFixed(1)} median ${q(d, 0.5).toFixed(1)} p75 ${q(d, 0.75).toFixed(1)} µs per order`);
}
for (const s of sides) await s.close();
