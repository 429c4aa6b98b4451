import type { WeekHours } from '@ordercast/shared';
import { clock, isOpenAt, nextOpening, sameLocalDay, todaysWindow } from '../restaurants/hours';

/**
 * The promised time of a new order, as one pure function of the moment and the kitchen (no
 * database, no clock of its own), so its arithmetic is tested on its own across time zones.
 *
 * - as soon as possible: now + preparation + delivery (delivery orders) + the busy delay; refused
 *   (`closed`) outside opening hours, with the next opening;
 * - a time later today: accepted when it is not earlier than that, and the order is ready within
 *   today's hours (ready = the time minus delivery, at least preparation after opening).
 */

export interface PromiseInput {
  now: Date;
  /** The city's IANA time zone: hours and "today" are city-local. */
  zone: string;
  prepMinutes: number;
  /** Delivery orders: the city's delivery minutes; pickup: 0. */
  deliveryMinutes: number;
  busyMinutes: number;
  /** The kitchen's hours; null = always open (a city without restaurant rows). */
  hours: WeekHours | null;
  /** The customer's time; null = as soon as possible. */
  requestedTime: Date | null;
}

export type PromiseOutcome =
  | { ok: true; promisedAt: Date }
  | { ok: false; error: 'closed'; message: string; reopensAt: Date | null }
  | { ok: false; error: 'invalid_requested_time'; message: string };

const MINUTE = 60_000;
/** Promised times are whole minutes, rounded up: a customer reads "19:40", never a time that is already late by seconds. */
const ceilMinute = (t: number): Date => new Date(Math.ceil(t / MINUTE) * MINUTE);

export function promiseTime(input: PromiseInput): PromiseOutcome {
  const { now, zone, hours } = input;
  const leadMs = (input.prepMinutes + input.deliveryMinutes + input.busyMinutes) * MINUTE;
  const earliest = ceilMinute(now.getTime() + leadMs);

  if (!input.requestedTime) {
    if (hours && !isOpenAt(hours, zone, now)) {
      const reopensAt = nextOpening(hours, zone, now);
      const when = reopensAt ? `; opens at ${clock(reopensAt, zone)}${sameLocalDay(reopensAt, now, zone) ? '' : ` on ${reopensAt.toLocaleDateString('en-GB', { timeZone: zone, weekday: 'long' })}`}` : '';
      const later = reopensAt && sameLocalDay(reopensAt, now, zone) ? ' You can order for a later time today.' : '';
      return { ok: false, error: 'closed', message: `Closed now${when}.${later}`, reopensAt };
    }
    return { ok: true, promisedAt: earliest };
  }

  const wanted = input.requestedTime;
  if (!sameLocalDay(wanted, now, zone)) {
    return { ok: false, error: 'invalid_requested_time', message: 'requestedTime must be later today (in the city’s time zone)' };
  }
  if (wanted.getTime() < earliest.getTime()) {
    return { ok: false, error: 'invalid_requested_time', message: `requestedTime is too soon: the earliest possible today is ${clock(earliest, zone)}` };
  }
  if (hours) {
    const w = todaysWindow(hours, zone, now);
    const ready = wanted.getTime() - input.deliveryMinutes * MINUTE;
    if (!w) return { ok: false, error: 'invalid_requested_time', message: 'Closed all day today: no later time is possible' };
    const first = w.opens.getTime() + input.prepMinutes * MINUTE;
    if (ready < first || ready > w.closes.getTime()) {
      const from = clock(new Date(Math.max(first, earliest.getTime() - input.deliveryMinutes * MINUTE) + input.deliveryMinutes * MINUTE), zone);
      const to = clock(new Date(w.closes.getTime() + input.deliveryMinutes * MINUTE), zone);
      return { ok: false, error: 'invalid_requested_time', message: `requestedTime is outside today's hours: choose between ${from} and ${to}` };
    }
  }
  return { ok: true, promisedAt: ceilMinute(wanted.getTime()) };
}
