import type { CityStats } from '@ordercast/shared';
import { utcOffsetHours } from './format';

/** The chart's one clock: the selected city's zone, or with all cities the first city's (Moscow). */
export function chartZone(cities: readonly Pick<CityStats, 'city_id' | 'timezone'>[], selectedCityId: number | null): string | undefined {
  const chosen = selectedCityId === null ? undefined : cities.find((c) => c.city_id === selectedCityId);
  return (chosen ?? [...cities].sort((a, b) => a.city_id - b.city_id)[0])?.timezone;
}

/** Noon UTC of a YYYY-MM-DD day: the instant whose zone offsets stand for that day. */
const noonOf = (day: string): number => Date.parse(`${day}T12:00:00Z`);

/**
 * A city's 24 buckets on the chart's clock. From `orders_per_utc_hour` when the server sends it;
 * else its city-local buckets, moved by the difference between the two zones. Either way orders
 * placed at the same instant land in the same bar whatever their city.
 */
export function hoursOnClock(c: Pick<CityStats, 'orders_per_hour' | 'orders_per_utc_hour' | 'timezone' | 'date'>, clockZone: string): number[] {
  const at = noonOf(c.date);
  const clockOffset = utcOffsetHours(clockZone, at);
  const out = Array.from({ length: 24 }, () => 0);
  const [source, shift] = c.orders_per_utc_hour
    ? [c.orders_per_utc_hour, clockOffset]
    : [c.orders_per_hour, clockOffset - utcOffsetHours(c.timezone, at)];
  source.forEach((n, h) => {
    out[(((h + shift) % 24) + 24) % 24]! += n;
  });
  return out;
}
