import { beforeAll, describe, expect, it } from 'vitest';
import type { CityStats, StatsResponse } from '@ordercast/shared';
import { bearer, useTestApp, signInStaff, type TestApp } from '../helpers/app';
import { testSql } from '../helpers/db';

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

/*
 * Set-based inserts from JSON array parameters (one statement per chunk, on either database): a
 * round trip per row would be 200,000 of them on PostgreSQL. Orders are [number, status, total,
 * fee, created]; history rows [order number, from, to, at], each order's in time order (the
 * database's stage_ms trigger reads the order's previous row by id).
 */
const INSERT_ORDERS = {
  sqlite: `INSERT INTO orders (order_number, order_day, city_id, user_id, status, subtotal, bonuses_used, total, delivery_fee, delivery_type, sync_status, created_at, updated_at)
    SELECT json_extract(r.value, '$[0]'), @day, @cityId, @userId, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), 0,
      json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), 'pickup', 'synced', json_extract(r.value, '$[4]'), json_extract(r.value, '$[4]')
    FROM json_each(@rows) r`,
  postgres: `INSERT INTO orders (order_number, order_day, city_id, user_id, status, subtotal, bonuses_used, total, delivery_fee, delivery_type, sync_status, created_at, updated_at)
    SELECT r->>0, @day::text, @cityId::bigint, @userId::bigint, r->>1, (r->>2)::bigint, 0, (r->>2)::bigint, (r->>3)::bigint, 'pickup', 'synced', r->>4, r->>4
    FROM json_array_elements(@rows::json) r`,
};
const INSERT_HISTORY = {
  sqlite: `INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at)
    SELECT (SELECT id FROM orders WHERE city_id = @cityId AND order_day = @day AND order_number = json_extract(h.value, '$[0]')),
      json_extract(h.value, '$[1]'), json_extract(h.value, '$[2]'), 'staff', json_extract(h.value, '$[3]')
    FROM json_each(@rows) h`,
  postgres: `INSERT INTO order_status_history (order_id, from_status, to_status, source, created_at)
    SELECT (SELECT id FROM orders WHERE city_id = @cityId::bigint AND order_day = @day::text AND order_number = h->>0), h->>1, h->>2, 'staff', h->>3
    FROM json_array_elements(@rows::json) h`,
};

async function insertDay(t: TestApp, cityId: number, day: string, dayStart: number, n: number): Promise<Generated[]> {
  const db = testSql(t.app);
  const userId = (await db.get<{ id: number }>('SELECT id FROM users ORDER BY id LIMIT 1'))!.id;
  const rows: Generated[] = [];
  await t.app.tx(async () => {
    for (let start = 0; start < n; start += 5_000) {
      const orders: unknown[] = [];
      const history: unknown[] = [];
      for (let i = start; i < Math.min(n, start + 5_000); i++) {
        const g = generate(i, dayStart, n);
        rows.push(g);
        const created = new Date(g.createdAt).toISOString();
        orders.push([String(i + 1), g.status, g.total, g.fee, created]);
        history.push([String(i + 1), null, 'pending', created]);
        let from = 'pending';
        for (const [to, at] of g.moves) {
          history.push([String(i + 1), from, to, new Date(at).toISOString()]);
          from = to;
        }
      }
      await db.run(INSERT_ORDERS, { day, cityId, userId, rows: JSON.stringify(orders) });
      await db.run(INSERT_HISTORY, { day, cityId, rows: JSON.stringify(history) });
    }
  });
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
    rows = await insertDay(t, 1, DAY, DAY_START, N);
    // Noise that must not count: another city the same day, and city 1 the day before.
    await insertDay(t, 2, DAY, DAY_START, 500);
    await insertDay(t, 1, '2026-03-09', DAY_START - 86_400_000, 500);
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
