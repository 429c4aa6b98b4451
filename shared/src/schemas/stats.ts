import { Type, type Static } from 'typebox';
import { Id, Money, Timestamp } from './common';
import { OrderStatusSchema } from './order';

/**
 * The managers' dashboard (issue 6): one city-local day per city.
 *
 * Definitions (the numbers a shift manager reads):
 * - `orders`: every order placed that city-local day, cancelled ones included.
 * - `revenue`: the sum of `total` (what the customer pays, after bonuses) of that day's orders that are
 *   NOT cancelled — completed plus still in progress, i.e. what the day is expected to bring in.
 *   `completed_revenue` is the part already completed.
 * - `cancellation_rate`: cancelled / orders (0 when there are no orders).
 * - `orders_per_hour`: 24 buckets by the city-local hour the order was placed.
 * - `orders_per_utc_hour`: the same day's orders in 24 buckets by the UTC hour they were placed, so a
 *   chart can draw several cities on one clock (shift by that clock's offset).
 * - `stages`: average minutes between the two status changes, over that day's orders that made the move.
 */
export const StatsQuery = Type.Object({
  cityId: Type.Optional(Id),
  /** City-local calendar day; default: today in each city's time zone. */
  date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
});
export type StatsQuery = Static<typeof StatsQuery>;

export const StageStat = Type.Object({
  from: OrderStatusSchema,
  to: OrderStatusSchema,
  /** Orders of the day that made this move. */
  count: Type.Integer({ minimum: 0 }),
  /** Average minutes spent before the move (one decimal); null when no order made it. */
  avg_minutes: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
});
export type StageStat = Static<typeof StageStat>;

export const CityStats = Type.Object({
  city_id: Id,
  city_name: Type.String(),
  city_name_en: Type.String(),
  timezone: Type.String(),
  /** The city-local day these figures describe (YYYY-MM-DD). */
  date: Type.String(),
  orders: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  completed: Type.Integer({ minimum: 0 }),
  cancelled: Type.Integer({ minimum: 0 }),
  revenue: Money,
  completed_revenue: Money,
  /** revenue / non-cancelled orders (0 when none). */
  average_check: Money,
  cancellation_rate: Type.Number({ minimum: 0, maximum: 1 }),
  orders_per_hour: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 24, maxItems: 24 }),
  /** Index = UTC hour of the moment the order was placed, over the same city-local day. */
  orders_per_utc_hour: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 24, maxItems: 24 }),
  stages: Type.Array(StageStat),
  /**
   * Share of the day's completed orders that completed by their promised time: completed with
   * `completed_at <= promised_at` / completed with a `promised_at`. Null when no such order.
   */
  on_time_share: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  /** The denominator of `on_time_share`: completed orders of the day that had a promised time. */
  on_time_counted: Type.Integer({ minimum: 0 }),
});
export type CityStats = Static<typeof CityStats>;

export const StatsResponse = Type.Object({
  generated_at: Timestamp,
  cities: Type.Array(CityStats),
});
export type StatsResponse = Static<typeof StatsResponse>;
