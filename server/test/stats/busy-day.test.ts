import { beforeAll, describe, expect, it } from 'vitest';
import type { CityStats, StatsResponse } from '@ordercast/shared';
import { bearer, useTestApp, signInStaff, type TestApp } from '../helpers/app';

/**
 * Issue 11 item 4: a city with 50,000 orders in one day. The old computation bound every order id
 * into one `IN (…)` (over SQLite's 32,766 variables → 500) and built a time-zone formatter per order.
 * Rows go straight in with SQL (one transaction) and the expected figures are computed here,
 * independently, from what was generated.
 */
const DAY = '2026-03-10';
/** Moscow is UTC+3 all year: the local day 2026-03-10 runs from 2026-03-09T21:00Z for 24 h. */
const DAY_START = Date.parse('2026-03-09T21:00:00.000Z');
const N = 50_000;
const STAGE_MINUTES = { confirmed: 3, preparing: 7, ready: 18, completed: 4 } as const;

interface Generated {
  status: string;
  total: number;
  /** Delivery fee (kopecks): the customer pays total + fee, and so does the dashboard's revenue. */
  fee: number;
  createdAt: number;
  /** [to, at] of each status change after the first row (pending). */
  moves: [string, number][];
}

function generate(i: number, dayStart: number, n: number): Generated {
  const createdAt = dayStart + Math.floor((i * 86_400_000) / n) + (i % 997);
  const total = 10_000 + (i % 50) * 1_000 + (i % 3);
  const moves: [string, number][] = [];
  let at = createdAt;
  let status = 'pending';
  if (i % 10 === 0) {
    status = 'cancelled';
    moves.push(['cancelled', at + 60_000]);
  } else if (i % 3 !== 1) {
    // Completed pickups walk pending → confirmed → preparing → ready → completed, a few seconds apart per order.
    for (const [to, minutes] of Object.entries(STAGE_MINUTES)) {
      at += minutes * 60_000 + (i % 7) * 1_000;
      moves.push([to, at]);
      status = to;
      if (i % 3 === 2 && to === 'preparing') break; // still in the kitchen
    }
  }
  const fee = i % 4 === 0 ? 19_900 : 0;
  return { status, total, fee, createdAt, moves };
}

function insertDay(t: TestApp, cityId: number, day: string, dayStart: number, n: number): Generated[] {
  const sqlite = t.app.db.$client;
  const userId = (sqlite.prepare('SELECT id FROM users ORDER BY id LIMIT 1').get() as { id: number }).id;
  const insOrder = sqlite.prepare(
    `INSERT INTO orders (order_number, order_day, city_id, user_id, status, subtotal, bonuses_used, total, delivery_fee, delivery_type, sync_status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 'pickup', 'synced', ?, ?)`,
  );
  const insHist = sqlite.prepare(`INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at) VALUES (?, ?, ?, 'staff', ?)`);
  const rows: Generated[] = [];
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      const g = generate(i, dayStart, n);
      rows.push(g);
      const created = new Date(g.createdAt).toISOString();
      const id = Number(insOrder.run(String(i + 1), day, cityId, userId, g.status, g.total, g.total, g.fee, created, created).lastInsertRowid);
      insHist.run(id, null, 'pending', created);
      let from = 'pending';
      for (const [to, at] of g.moves) {
        insHist.run(id, from, to, new Date(at).toISOString());
        from = to;
      }
    }
  })();
  return rows;
}

/** The dashboard's figures, computed the slow obvious way (one formatter, reused). */
function expected(rows: Generated[], timeZone: string) {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  const perHour = Array.from({ length: 24 }, () => 0);
  const perUtcHour = Array.from({ length: 24 }, () => 0);
  const stage = new Map<string, { total: number; count: number }>();
  let cancelled = 0;
  let completed = 0;
  let revenue = 0;
  let completedRevenue = 0;
  for (const r of rows) {
    perHour[Number(fmt.format(new Date(r.createdAt)))]! += 1;
    perUtcHour[new Date(r.createdAt).getUTCHours()]! += 1;
    if (r.status === 'cancelled') cancelled += 1;
    else {
      revenue += r.total + r.fee;
      if (r.status === 'completed') {
        completed += 1;
        completedRevenue += r.total + r.fee;
      }
    }
    let prevTo = 'pending';
    let prevAt = r.createdAt;
    for (const [to, at] of r.moves) {
      const key = `${prevTo}>${to}`;
      const s = stage.get(key) ?? { total: 0, count: 0 };
      s.total += at - prevAt;
      s.count += 1;
      stage.set(key, s);
      prevTo = to;
      prevAt = at;
    }
  }
  return { perHour, perUtcHour, stage, cancelled, completed, revenue, completedRevenue };
}

describe('GET /api/admin/stats on a busy day', () => {
  const t = useTestApp();
  let admin: string;
  let rows: Generated[];

  beforeAll(async () => {
    admin = (await signInStaff(t.app, 'admin')).token;
    rows = insertDay(t, 1, DAY, DAY_START, N);
    // Noise that must not count: another city the same day, and city 1 the day before.
    insertDay(t, 2, DAY, DAY_START, 500);
    insertDay(t, 1, '2026-03-09', DAY_START - 86_400_000, 500);
  }, 60_000);

  it('answers 50,000 orders of one city-local day with the right figures', async () => {
    const res = await t.app.inject({ url: `/api/admin/stats?cityId=1&date=${DAY}`, headers: bearer(admin) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const c = (res.json() as StatsResponse).cities[0] as CityStats;
    const e = expected(rows, 'Europe/Moscow');
    expect(c).toMatchObject({
      city_id: 1,
      date: DAY,
      orders: N,
      cancelled: e.cancelled,
      completed: e.completed,
      active: N - e.cancelled - e.completed,
      revenue: e.revenue / 100,
      completed_revenue: e.completedRevenue / 100,
      average_check: Math.round(e.revenue / (N - e.cancelled)) / 100,
      cancellation_rate: Math.round((e.cancelled / N) * 10_000) / 10_000,
    });
    expect(c.orders_per_hour).toEqual(e.perHour);
    expect(c.orders_per_utc_hour).toEqual(e.perUtcHour);
    // Moscow is 3 h ahead of UTC: the same buckets, turned by three.
    expect(c.orders_per_hour).toEqual(c.orders_per_utc_hour.map((_, h) => c.orders_per_utc_hour[(h + 21) % 24]));
    for (const s of c.stages) {
      const want = e.stage.get(`${s.from}>${s.to}`);
      expect(s.count, `${s.from}>${s.to}`).toBe(want?.count ?? 0);
      expect(s.avg_minutes, `${s.from}>${s.to}`).toBe(want ? Math.round(want.total / want.count / 6000) / 10 : null);
    }
    expect(c.stages.find((s) => s.from === 'preparing' && s.to === 'ready')!.count).toBeGreaterThan(10_000);
  });

  it('keeps every city apart when all are asked for', async () => {
    const res = await t.app.inject({ url: `/api/admin/stats?date=${DAY}`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const all = (res.json() as StatsResponse).cities;
    expect(all.map((c) => [c.city_id, c.orders])).toEqual([
      [1, N],
      [2, 500],
      [3, 0],
    ]);
    expect(all[2]!.orders_per_utc_hour).toEqual(Array.from({ length: 24 }, () => 0));
  });
});
