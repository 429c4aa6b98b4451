import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { seesAllCities, toMajor, type CityStats, type OrderStatus, type StageStat } from '@ordercast/shared';
import { ErrorBody, StatsQuery, StatsResponse } from '@ordercast/shared/schemas';
import type { Principal } from '../../auth/principal';
import type { Db } from '../../db/client';
import { cities, orders, orderStatusHistory } from '../../db/schema';
import { badRequest, forbidden, notFound } from '../../lib/errors';
import { localDay } from '../../lib/time';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

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

/** City-local hour (0–23) of an instant. */
function localHour(iso: string, timeZone: string): number {
  const h = Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(iso)));
  return Number.isInteger(h) && h >= 0 && h < 24 ? h : 0;
}

function validDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/**
 * One city's day. Small by nature (a day of one branch), so it is two indexed queries and the
 * arithmetic in JS: the local hour needs the city's time zone, which SQLite does not know.
 */
export function cityStats(db: Db, city: CityRow, day: string): CityStats {
  const rows = db
    .select({ id: orders.id, status: orders.status, total: orders.total, createdAt: orders.createdAt })
    .from(orders)
    .where(and(eq(orders.cityId, city.id), eq(orders.orderDay, day)))
    .all();
  const perHour = Array.from({ length: 24 }, () => 0);
  let cancelled = 0;
  let completed = 0;
  let revenue = 0;
  let completedRevenue = 0;
  for (const o of rows) {
    perHour[localHour(o.createdAt, city.timezone)]! += 1;
    if (o.status === 'cancelled') {
      cancelled += 1;
      continue;
    }
    revenue += o.total;
    if (o.status === 'completed') {
      completed += 1;
      completedRevenue += o.total;
    }
  }

  // Time of each move = its timestamp minus the timestamp of the move before it (same order).
  const sums = new Map<string, { total: number; count: number }>();
  if (rows.length) {
    const history = db
      .select({ orderId: orderStatusHistory.orderId, from: orderStatusHistory.fromStatus, to: orderStatusHistory.toStatus, at: orderStatusHistory.createdAt })
      .from(orderStatusHistory)
      .where(inArray(orderStatusHistory.orderId, rows.map((r) => r.id)))
      .orderBy(asc(orderStatusHistory.orderId), asc(orderStatusHistory.id))
      .all();
    let prev: (typeof history)[number] | undefined;
    for (const h of history) {
      if (prev && prev.orderId === h.orderId && h.from) {
        const ms = Date.parse(h.at) - Date.parse(prev.at);
        if (Number.isFinite(ms) && ms >= 0) {
          const key = `${h.from}>${h.to}`;
          const s = sums.get(key) ?? { total: 0, count: 0 };
          s.total += ms;
          s.count += 1;
          sums.set(key, s);
        }
      }
      prev = h;
    }
  }
  const stages: StageStat[] = STAGES.map(([from, to]) => {
    const s = sums.get(`${from}>${to}`);
    return {
      from,
      to,
      count: s?.count ?? 0,
      avg_minutes: s && s.count ? Math.round(s.total / s.count / 6000) / 10 : null,
    };
  });

  const kept = rows.length - cancelled;
  return {
    city_id: city.id,
    city_name: city.name,
    city_name_en: city.nameEn,
    timezone: city.timezone,
    date: day,
    orders: rows.length,
    active: kept - completed,
    completed,
    cancelled,
    revenue: toMajor(revenue),
    completed_revenue: toMajor(completedRevenue),
    average_check: kept ? toMajor(Math.round(revenue / kept)) : 0,
    cancellation_rate: rows.length ? Math.round((cancelled / rows.length) * 10_000) / 10_000 : 0,
    orders_per_hour: perHour,
    stages,
  };
}

/** Cities this principal may see stats for: one (checked) or all of theirs. */
function scopedCities(db: Db, principal: Principal, cityId: number | undefined): CityRow[] {
  const all = seesAllCities(principal.role);
  if (cityId !== undefined) {
    if (!all && !principal.cityIds.includes(cityId)) throw forbidden(`You do not manage city ${cityId}`, 'other_city');
    const city = db.select().from(cities).where(eq(cities.id, cityId)).get();
    if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
    return [city];
  }
  const q = db.select().from(cities);
  return (all ? q : q.where(inArray(cities.id, principal.cityIds.length ? principal.cityIds : [0]))).orderBy(asc(cities.id)).all();
}

/** GET /api/admin/stats?cityId&date — the dashboard: a city-local day per city, scoped to the manager's cities. */
const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/stats', { schema: { querystring: StatsQuery, response: { 200: StatsResponse, ...errors } } }, async (req) => {
    const { cityId, date } = req.query;
    if (date !== undefined && !validDay(date)) throw badRequest(`"${date}" is not a calendar day (YYYY-MM-DD)`, 'bad_date');
    const now = new Date();
    return {
      generated_at: now.toISOString(),
      cities: scopedCities(app.db, req.principal, cityId).map((c) => cityStats(app.db, c, date ?? localDay(now, c.timezone))),
    };
  });
};

export default statsRoutes;
