import { DateTime } from 'luxon';
import type { DayHours, WeekHours } from '@ordercast/shared';

/**
 * Opening hours: seven `{open, close}` windows (Monday first, null = closed that day) in the
 * city's time zone. Pure functions of an instant; luxon turns city-local wall times into instants
 * across daylight-saving changes.
 */

export interface Window {
  opens: Date;
  closes: Date;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** A day's window is usable when it closes after it opens. */
export function validDay(day: DayHours): boolean {
  return day === null || minutesOf(day.close) > minutesOf(day.open);
}

/** The window of the city-local calendar day that `local` falls on, or null when closed that day. */
function windowOfDay(hours: WeekHours, local: DateTime): Window | null {
  const day = hours[local.weekday - 1];
  if (!day) return null;
  const start = local.startOf('day');
  return {
    opens: start.plus({ minutes: minutesOf(day.open) }).toJSDate(),
    closes: start.plus({ minutes: minutesOf(day.close) }).toJSDate(),
  };
}

/*
 * Every order asks for today's window, and luxon's zone arithmetic is costly per call. A day's
 * window is the same for every instant of the same minute (days begin on a minute), so it is kept
 * per zone, hours and minute; the map is emptied when it grows, which bounds it.
 */
const windowMemo = new Map<string, Window | null>();
/** The memo's key part for a week's hours, serialised once per hours object. */
const hoursKeys = new WeakMap<WeekHours, string>();
const hoursKey = (hours: WeekHours): string => {
  let key = hoursKeys.get(hours);
  if (key === undefined) hoursKeys.set(hours, (key = JSON.stringify(hours)));
  return key;
};

/** Today's window (city-local day of `at`), open or not. */
export function todaysWindow(hours: WeekHours, zone: string, at: Date): Window | null {
  const key = `${zone}|${Math.floor(at.getTime() / 60_000)}|${hoursKey(hours)}`;
  const known = windowMemo.get(key);
  if (known !== undefined) return known;
  const w = windowOfDay(hours, DateTime.fromJSDate(at, { zone }));
  if (windowMemo.size >= 1000) windowMemo.clear();
  windowMemo.set(key, w);
  return w;
}

/** Whether `at` falls within that day's hours (closing instant excluded). */
export function isOpenAt(hours: WeekHours, zone: string, at: Date): boolean {
  const w = todaysWindow(hours, zone, at);
  return w !== null && at >= w.opens && at < w.closes;
}

/** The next opening strictly after `at` (today's later window or one of the next seven days); null if never. */
export function nextOpening(hours: WeekHours, zone: string, at: Date): Date | null {
  const local = DateTime.fromJSDate(at, { zone });
  for (let d = 0; d <= 7; d++) {
    const w = windowOfDay(hours, local.plus({ days: d }));
    if (w && w.opens > at) return w.opens;
  }
  return null;
}

/** Whether two instants are the same calendar day in `zone`. */
export function sameLocalDay(a: Date, b: Date, zone: string): boolean {
  return DateTime.fromJSDate(a, { zone }).toISODate() === DateTime.fromJSDate(b, { zone }).toISODate();
}

/** `HH:MM` of an instant in a zone, for messages. */
export function clock(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('HH:mm');
}
