/**
 * `npm run bench:order-path`: CPU time per order of the order path itself, in this process:
 * `OrdersService.create` (with its principal load, as a request does) inside write transactions of
 * 20 orders, the batch size group commit reaches under load. No HTTP, no autocannon, and CPU time
 * (`process.cpuUsage`) rather than wall time, so it still compares two commits on a machine too busy
 * for `bench:api` to mean much. The same 200 customers, carts and cities as `bench:api`.
 *
 * Knobs (env): BENCH_ORDERS (20000 per round), BENCH_ROUNDS (3).
 */
import type { CreateOrderBody } from '@ordercast/shared';
import { DEMO_OPTION_GROUPS, demoDeliveryPoint, demoPickupPoint } from '../src/db/seed-data';
import { buildTestApp } from '../test/helpers/app';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 20;
/** Dishes on the menu in every city (9 and 17 are on a city's stop-list in the demo data). */
const DISHES = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21];
/** Dishes with a required choice (a portion, a size) are ordered with its first option, as a customer must (as in `bench:api`). */
const REQUIRED = new Map<number, number[]>();
for (const g of DEMO_OPTION_GROUPS) if (g.minChoices > 0) REQUIRED.set(g.productId, [...(REQUIRED.get(g.productId) ?? []), g.options[0]!.id]);

const t = await buildTestApp();
try {
  const { app } = t;
  const sqlite = app.db.$client;
  const insert = sqlite.prepare<[string, number], { id: number }>("INSERT INTO users (role, name, telegram_id) VALUES ('customer', ?, ?) RETURNING id");
  const customers = Array.from({ length: 200 }, (_, i) => insert.get(`Bench${i}`, 900_000_000 + i)!.id);
  const body = (n: number): CreateOrderBody => {
    const cityId = 1 + (n % 3);
    const items = Array.from({ length: 1 + (n % 3) }, (_, k) => {
      const productId = DISHES[(n * 7 + k * 5) % DISHES.length]!;
      const options = REQUIRED.get(productId);
      return { productId, quantity: 1 + (k % 2), ...(options && { options }) };
    });
    return {
      cityId,
      restaurantId: demoPickupPoint(cityId),
      items,
      delivery: n % 2 ? { type: 'pickup' } : { type: 'delivery', address: 'Bench street 1', location: demoDeliveryPoint(cityId) },
    };
  };
  let seq = 0;
  const run = async (count: number) => {
    for (let b = 0; b < count / BATCH; b++) {
      await app.tx(async () => {
        for (let k = 0; k < BATCH; k++) {
          const n = seq++;
          const principal = (await app.users.principal(customers[n % customers.length]!))!;
          await app.orders.create(principal, body(n), `bench-${n}`);
        }
      });
    }
  };
  await run(2_000); // warm-up: JIT, statement caches
  const perOrder: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = process.cpuUsage();
    await run(ORDERS);
    const used = process.cpuUsage(before);
    perOrder.push((used.user + used.system) / ORDERS);
    console.log(`round ${r + 1}: ${perOrder.at(-1)!.toFixed(1)} µs CPU per order`);
  }
  const median = [...perOrder].sort((a, b) => a - b)[Math.floor(perOrder.length / 2)]!;
  console.log(`median ${median.toFixed(1)} µs CPU per order (${ROUNDS} × ${ORDERS} orders, transactions of ${BATCH})`);
} finally {
  await t.close();
}
