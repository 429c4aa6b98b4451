import type { CityStatus, PauseInfo, Restaurant, WeekHours } from '@ordercast/shared';
import type { cities, restaurants } from '../db/schema';
import { isOpenAt, nextOpening, todaysWindow } from './hours';

/*
 * What a city and its restaurants look like at an instant: pure functions of their rows and the
 * time, shared by the public city list, the menu, the `city-status-updated` event and the order path.
 */

export type CityRow = typeof cities.$inferSelect;
export type RestaurantRow = typeof restaurants.$inferSelect;

interface Pausable {
  pausedAt: string | null;
  pauseReason: string | null;
  pausedUntil: string | null;
}

/** The pause in force at `now`: null when none, or when its `until` has passed (it ends by itself). */
export function activePause(row: Pausable, now: Date): PauseInfo | null {
  if (!row.pausedAt) return null;
  if (row.pausedUntil && Date.parse(row.pausedUntil) <= now.getTime()) return null;
  return { reason: row.pauseReason ?? '', until: row.pausedUntil, since: row.pausedAt };
}

export const hoursOf = (r: RestaurantRow): WeekHours => JSON.parse(r.hours) as WeekHours;

/*
 * The order path parses the same few `hours` texts for every order: parsed once per distinct text
 * (a restaurant's edit is a new text, so nothing goes stale), emptied when it grows. The object is
 * shared: read it, never change it.
 */
const parsedMemo = new Map<string, WeekHours>();
export function parsedHours(text: string): WeekHours {
  let hours = parsedMemo.get(text);
  if (hours === undefined) {
    if (parsedMemo.size >= 1000) parsedMemo.clear();
    hours = JSON.parse(text) as WeekHours;
    parsedMemo.set(text, hours);
  }
  return hours;
}

export function restaurantView(r: RestaurantRow, zone: string, now: Date): Restaurant {
  const hours = hoursOf(r);
  const open = isOpenAt(hours, zone, now);
  return {
    id: r.id,
    city_id: r.cityId,
    code: r.code,
    name: r.name,
    name_en: r.nameEn,
    address: r.address,
    address_en: r.addressEn,
    phone: r.phone,
    lat: r.lat,
    lng: r.lng,
    prep_minutes: r.prepMinutes,
    hours,
    active: r.active,
    pause: activePause(r, now),
    open_now: open,
    next_open_at: open ? null : (nextOpening(hours, zone, now)?.toISOString() ?? null),
    closes_at: open ? (todaysWindow(hours, zone, now)?.closes.toISOString() ?? null) : null,
  };
}

const earliest = (times: (string | null)[]): string | null => {
  if (times.length === 0 || times.includes(null)) return null;
  return (times as string[]).reduce((a, b) => (a < b ? a : b));
};

/** The city's status from its row and its active restaurants' views. */
export function cityStatus(city: CityRow, active: readonly Restaurant[], now: Date): CityStatus {
  const pause = activePause(city, now);
  const open = active.filter((r) => r.open_now);
  const openNow = active.length === 0 || open.length > 0;
  const nextOpen = openNow ? null : earliest(active.map((r) => r.next_open_at));
  const taking = active.length === 0 || open.some((r) => !r.pause);
  const refusal: CityStatus['refusal'] = pause ? 'city_paused' : !openNow ? 'closed' : !taking ? 'restaurant_paused' : null;
  const reopensAt =
    refusal === 'city_paused' ? pause!.until : refusal === 'closed' ? nextOpen : refusal === 'restaurant_paused' ? earliest(open.map((r) => r.pause!.until)) : null;
  return {
    city_id: city.id,
    pause,
    busy_minutes: city.busyMinutes,
    delivery_minutes: city.deliveryMinutes,
    open_now: openNow,
    next_open_at: nextOpen,
    accepting_orders: refusal === null,
    refusal,
    reopens_at: reopensAt,
  };
}
