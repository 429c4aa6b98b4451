import { seesAllCities, toMajor, type CityStats, type OrderStatus, type StageStat, type StatsResponse } from '@ordercast/shared';
import type { Principal } from '../auth/principal';
import { assertCity } from '../auth/scope';
import { inJsonIntsOrAll, sqlText, type Dialectal } from '../db/portable';
import { columnsOf } from '../db/rows';
import type { Sql, Statement } from '../db/sql';
import { cities } from '../db/schema';
import { notFound } from '../lib/errors';
import { localDay } from '../lib/time';

/** The moves the dashboard reports, in the order a kitchen walks them. */
const STAGES: readonly (readonly [OrderStatus, OrderStatus])[] = [
  ['pending', 'confirmed'],
  ['confirmed', 'preparing'],
  ['preparing', 'ready'],
  ['ready', 'delivering'],
  ['delivering', 'completed'],
  ['ready', 'completed'],
];

type CityRow = typeof cities.$inferSelect;
type DayParams = { cityId: number; day: string };

/** SQLite's planner is told which index to use (see below); PostgreSQL's chooses by statistics. */
const BY_DAY: Dialectal = { sqlite: 'INDEXED BY orders_number_uq', postgres: '' };

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** City-local hour (0–23) of an instant; one formatter per zone, asked once per quarter-hour bucket, never per order. */
function localHour(ms: number, timeZone: string): number {
  let f = hourFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormats.set(timeZone, f);
  }
  const h = Number(f.format(ms));
  return Number.isInteger(h) && h >= 0 && h < 24 ? h : 0;
}

/**
 * The managers' dashboard: one city-local day per city, computed by SQLite with aggregates so the
 * work and the memory do not grow with the day's orders in JavaScript (a busy day is tens of
 * thousands of rows; only a few dozen aggregate rows come back).
 */
export class StatsService {
  private readonly byStatus: Statement<DayParams, { status: OrderStatus; n: number; total: number; timed: number; onTime: number }>;
  private readonly bySlot: Statement<DayParams, { hour: string; quarter: number; n: number }>;
  private readonly byStage: Statement<DayParams, { f: OrderStatus; t: OrderStatus; n: number; total: number }>;
  private readonly city: Statement<{ id: number }, CityRow>;
  private readonly cities: Statement<{ cities: string | null }, CityRow>;

  constructor(sql: Sql) {
    const CITY = columnsOf(cities);
    this.city = sql.prepare(`SELECT ${CITY} FROM cities WHERE id = @id`);
    this.cities = sql.prepare(sqlText`SELECT ${CITY} FROM cities WHERE ${inJsonIntsOrAll('id', 'cities')} ORDER BY id`);
    // (city_id, order_day) is the head of orders_number_uq: each query reads only that day's rows.
    // Named, because the planner otherwise may pick orders_city_status_idx and read every day of the city.
    // Revenue is what customers pay: the order's total and its delivery fee (the wire's `total`).
    // `timed`/`onTime`: orders with both a completion and a promised time, and those done by it.
    // Both are ISO-8601 UTC strings of one format, so text order is time order (the dashboard counts
    // them for completed orders only).
    this.byStatus = sql.prepare(
      sqlText`SELECT status, COUNT(*) AS n, CAST(COALESCE(SUM(total + delivery_fee), 0) AS BIGINT) AS total,
              CAST(COALESCE(SUM(CASE WHEN completed_at IS NOT NULL AND promised_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS timed,
              CAST(COALESCE(SUM(CASE WHEN completed_at <= promised_at THEN 1 ELSE 0 END), 0) AS BIGINT) AS "onTime"
         FROM orders ${BY_DAY} WHERE city_id = @cityId AND order_day = @day GROUP BY status`,
    );
    // created_at is ISO-8601 UTC ('YYYY-MM-DDTHH:MM:SS.sssZ'). Grouped by UTC quarter-hour rather than
    // hour: every zone's offset is a whole number of quarter-hours, so each bucket lies in one local hour.
    this.bySlot = sql.prepare(
      sqlText`SELECT substr(created_at, 1, 13) AS hour, CAST(substr(created_at, 15, 2) AS INTEGER) / 15 AS quarter, COUNT(*) AS n
         FROM orders ${BY_DAY} WHERE city_id = @cityId AND order_day = @day GROUP BY 1, 2`,
    );
    // The time of a move (stage_ms) is stored with its history row, from the order's row before it
    // (migration stats_stage_minutes), and the index holds it: a sum over the day's index entries,
    // no window over each order's history and no table row per move.
    this.byStage = sql.prepare(
      sqlText`SELECT h.from_status AS f, h.to_status AS t, COUNT(*) AS n, CAST(SUM(h.stage_ms) AS BIGINT) AS total
         FROM orders o ${BY_DAY} JOIN order_status_history h ON h.order_id = o.id
        WHERE o.city_id = @cityId AND o.order_day = @day AND h.stage_ms >= 0 AND h.to_status <> 'cancelled'
        GROUP BY h.from_status, h.to_status`,
    );
  }

  /** Cities this principal may see stats for: one (checked) or all of theirs. */
  private async scopedCities(principal: Principal, cityId: number | undefined): Promise<CityRow[]> {
    if (cityId !== undefined) {
      assertCity(principal, cityId);
      const city = await this.city.get({ id: cityId });
      if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
      return [city];
    }
    return this.cities.all({ cities: seesAllCities(principal.role) ? null : JSON.stringify(principal.cityIds) });
  }

  /** `date` is a valid calendar day (the route checks it); default: today in each city's zone. */
  async dashboard(principal: Principal, query: { cityId?: number; date?: string }, now = new Date()): Promise<StatsResponse> {
    const out: CityStats[] = [];
    for (const c of await this.scopedCities(principal, query.cityId)) out.push(await this.cityDay(c, query.date ?? localDay(now, c.timezone)));
    return { generated_at: now.toISOString(), cities: out };
  }

  /** One city's day. */
  async cityDay(city: CityRow, day: string): Promise<CityStats> {
    const params: DayParams = { cityId: city.id, day };
    let count = 0;
    let cancelled = 0;
    let completed = 0;
    let revenue = 0;
    let completedRevenue = 0;
    const punctual = { n: 0, onTime: 0 };
    for (const r of await this.byStatus.all(params)) {
      count += r.n;
      if (r.status === 'cancelled') {
        cancelled = r.n;
        continue;
      }
      revenue += r.total;
      if (r.status === 'completed') {
        completed = r.n;
        completedRevenue = r.total;
        punctual.n = r.timed;
        punctual.onTime = r.onTime;
      }
    }

    const perHour = Array.from({ length: 24 }, () => 0);
    const perUtcHour = Array.from({ length: 24 }, () => 0);
    for (const s of await this.bySlot.all(params)) {
      const start = Date.parse(`${s.hour}:${String(s.quarter * 15).padStart(2, '0')}:00.000Z`);
      if (Number.isNaN(start)) continue;
      perUtcHour[Number(s.hour.slice(11, 13))]! += s.n;
      perHour[localHour(start, city.timezone)]! += s.n;
    }

    const sums = new Map((await this.byStage.all(params)).map((s) => [`${s.f}>${s.t}`, s]));
    const stages: StageStat[] = STAGES.map(([from, to]) => {
      const s = sums.get(`${from}>${to}`);
      return {
        from,
        to,
        count: s?.n ?? 0,
        avg_minutes: s && s.n ? Math.round(s.total / s.n / 6000) / 10 : null,
      };
    });

    const kept = count - cancelled;
    return {
      city_id: city.id,
      city_name: city.name,
      city_name_en: city.nameEn,
      timezone: city.timezone,
      date: day,
      orders: count,
      active: kept - completed,
      completed,
      cancelled,
      revenue: toMajor(revenue),
      completed_revenue: toMajor(completedRevenue),
      average_check: kept ? toMajor(Math.round(revenue / kept)) : 0,
      cancellation_rate: count ? Math.round((cancelled / count) * 10_000) / 10_000 : 0,
      orders_per_hour: perHour,
      orders_per_utc_hour: perUtcHour,
      stages,
      on_time_share: punctual.n ? Math.round((punctual.onTime / punctual.n) * 10_000) / 10_000 : null,
      on_time_counted: punctual.n,
    };
  }
}
