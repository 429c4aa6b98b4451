/**
 * `npm run bench:stats`: the managers' dashboard (`GET /api/admin/stats`) on a busy day.
 *
 * Builds the server in this process on a temp SQLite file, writes BENCH_ORDERS orders (default
 * 50,000) into one city-local day of every city straight with SQL (each with a realistic status
 * history), then asks for the dashboard BENCH_REPS times for one city and for all cities. Reports
 * the answer time (median, max: the request is synchronous work, so this is also how long the
 * event loop is blocked) and RSS before and after the calls.
 *
 * Earlier days (BENCH_DAYS − 1 of them, same size) sit in the same tables, as they would in a
 * database with history, so a query that reads more than the asked day shows.
 *
 * Knobs (env): BENCH_ORDERS (50000 per city and day), BENCH_DAYS (2), BENCH_REPS (20).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { bearer, buildTestApp, signInStaff, type TestApp } from '../test/helpers/app';

const here = dirname(fileURLToPath(import.meta.url));
const ORDERS = Number(process.env.BENCH_ORDERS ?? 50_000);
const REPS = Number(process.env.BENCH_REPS ?? 20);
const DAYS = Math.max(1, Number(process.env.BENCH_DAYS ?? 2));
const DAY = '2026-03-10';
const STEPS = ['confirmed', 'preparing', 'ready', 'completed'] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function fillDay(t: TestApp, cityId: number, n: number, daysBefore: number): void {
  const sqlite = t.app.db.$client;
  const userId = (sqlite.prepare('SELECT id FROM users ORDER BY id LIMIT 1').get() as { id: number }).id;
  const insOrder = sqlite.prepare(
    `INSERT INTO orders (order_number, order_day, city_id, user_id, status, subtotal, total, delivery_type, sync_status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pickup', 'synced', ?, ?)`,
  );
  const insHist = sqlite.prepare(`INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at) VALUES (?, ?, ?, 'staff', ?)`);
  // The day's 24 h (an approximate UTC window is enough for timing).
  const start = Date.parse(`${DAY}T00:00:00.000Z`) - 3 * 3_600_000 - daysBefore * 86_400_000;
  const day = new Date(start + 12 * 3_600_000).toISOString().slice(0, 10);
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      let at = start + Math.floor((i * 86_400_000) / n);
      const steps = i % 10 === 0 ? 0 : 1 + (i % STEPS.length);
      const status = i % 10 === 0 ? 'cancelled' : STEPS[steps - 1]!;
      const created = new Date(at).toISOString();
      const total = 10_000 + (i % 50) * 1_000;
      const id = Number(insOrder.run(String(i + 1), day, cityId, userId, status, total, total, created, created).lastInsertRowid);
      insHist.run(id, null, 'pending', created);
      let from = 'pending';
      if (status === 'cancelled') insHist.run(id, from, 'cancelled', new Date(at + 60_000).toISOString());
      for (let s = 0; s < steps; s++) {
        at += (3 + (i % 11)) * 60_000;
        insHist.run(id, from, STEPS[s]!, new Date(at).toISOString());
        from = STEPS[s]!;
      }
    }
  })();
}

async function main(): Promise<void> {
  const t = await buildTestApp();
  try {
    const cities = (t.app.db.$client.prepare('SELECT id FROM cities ORDER BY id').all() as { id: number }[]).map((c) => c.id);
    const t0 = performance.now();
    for (let d = DAYS - 1; d >= 0; d--) for (const c of cities) fillDay(t, c, ORDERS, d);
    console.log(`wrote ${ORDERS} orders per city and day × ${cities.length} cities × ${DAYS} days in ${Math.round(performance.now() - t0)} ms`);
    const admin = (await signInStaff(t.app, 'admin')).token;

    const measure = async (name: string, url: string) => {
      const times: number[] = [];
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      for (let i = 0; i < REPS; i++) {
        const s = performance.now();
        const res = await t.app.inject({ url, headers: bearer(admin) });
        times.push(performance.now() - s);
        if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      global.gc?.();
      const rssAfter = process.memoryUsage().rss;
      const r = {
        name,
        reps: REPS,
        median_ms: Math.round(median(times) * 10) / 10,
        max_ms: Math.round(Math.max(...times) * 10) / 10,
        rss_before_mb: mb(rssBefore),
        rss_peak_mb: mb(peak),
        rss_growth_mb: mb(rssAfter - rssBefore),
      };
      console.log(`${name.padEnd(12)} median ${r.median_ms} ms  max ${r.max_ms} ms  RSS ${r.rss_before_mb} → peak ${r.rss_peak_mb} MB (growth ${r.rss_growth_mb} MB)`);
      return r;
    };

    const results = [await measure('one city', `/api/admin/stats?cityId=1&date=${DAY}`), await measure('all cities', `/api/admin/stats?date=${DAY}`)];
    const out = resolve(here, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'stats.json'),
      JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, ordersPerCity: ORDERS, days: DAYS, results }, null, 2),
    );
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
