import { describe, expect, it } from 'vitest';
import type { WeekHours } from '@ordercast/shared';
import { promiseTime, type PromiseInput } from '../../src/orders/promise';

const TEN_TO_TWENTY_TWO: WeekHours = Array.from({ length: 7 }, () => ({ open: '10:00', close: '22:00' }));
const base = (over: Partial<PromiseInput>): PromiseInput => ({
  now: new Date('2026-03-10T12:00:00Z'),
  zone: 'Europe/Moscow',
  prepMinutes: 20,
  deliveryMinutes: 30,
  busyMinutes: 0,
  hours: TEN_TO_TWENTY_TWO,
  requestedTime: null,
  ...over,
});
const at = (o: ReturnType<typeof promiseTime>) => (o.ok ? o.promisedAt.toISOString() : o.error);

describe('promised time', () => {
  it('as soon as possible: preparation + delivery (delivery orders only) + the busy delay', async () => {
    // 12:00Z is 15:00 in Moscow: open.
    expect(at(promiseTime(base({})))).toBe('2026-03-10T12:50:00.000Z');
    expect(at(promiseTime(base({ deliveryMinutes: 0 })))).toBe('2026-03-10T12:20:00.000Z');
    expect(at(promiseTime(base({ busyMinutes: 25 })))).toBe('2026-03-10T13:15:00.000Z');
  });

  it('rounds up to the whole minute', async () => {
    expect(at(promiseTime(base({ now: new Date('2026-03-10T12:00:01.500Z'), deliveryMinutes: 0 })))).toBe('2026-03-10T12:21:00.000Z');
  });

  it('outside opening hours ASAP is refused with the next opening (Moscow, UTC+3)', async () => {
    // 05:00Z = 08:00 Moscow: opens at 10:00 Moscow = 07:00Z.
    const o = promiseTime(base({ now: new Date('2026-03-10T05:00:00Z') }));
    expect(o).toMatchObject({ ok: false, error: 'closed', reopensAt: new Date('2026-03-10T07:00:00Z') });
    if (!o.ok) expect(o.message).toMatch(/opens at 10:00.*later time today/);
    // 20:00Z = 23:00 Moscow: next opening tomorrow 10:00.
    const late = promiseTime(base({ now: new Date('2026-03-10T20:00:00Z') }));
    expect(late).toMatchObject({ ok: false, error: 'closed', reopensAt: new Date('2026-03-11T07:00:00Z') });
  });

  it('closing instant is closed; a day without hours is skipped', async () => {
    expect(promiseTime(base({ now: new Date('2026-03-10T19:00:00Z') })).ok).toBe(false); // 22:00 Moscow
    const closedTuesday = TEN_TO_TWENTY_TWO.map((d, i) => (i === 1 ? null : d));
    // 2026-03-10 is a Tuesday.
    const o = promiseTime(base({ hours: closedTuesday }));
    expect(o).toMatchObject({ ok: false, error: 'closed', reopensAt: new Date('2026-03-11T07:00:00Z') });
  });

  it('the same wall-clock hours mean other instants in Novosibirsk (UTC+7)', async () => {
    // 05:00Z = 12:00 Novosibirsk: open; but 08:00 Moscow: closed.
    expect(promiseTime(base({ zone: 'Asia/Novosibirsk', now: new Date('2026-03-10T05:00:00Z') })).ok).toBe(true);
    expect(promiseTime(base({ zone: 'Europe/Moscow', now: new Date('2026-03-10T05:00:00Z') })).ok).toBe(false);
    // 16:00Z = 23:00 Novosibirsk: closed, opens 10:00 next day = 03:00Z.
    expect(promiseTime(base({ zone: 'Asia/Novosibirsk', now: new Date('2026-03-10T16:00:00Z') }))).toMatchObject({
      ok: false,
      reopensAt: new Date('2026-03-11T03:00:00Z'),
    });
  });

  it('a later time today within hours is accepted as the promise, also while closed now', async () => {
    const now = new Date('2026-03-10T05:00:00Z'); // 08:00 Moscow, closed
    expect(at(promiseTime(base({ now, requestedTime: new Date('2026-03-10T09:00:00Z') })))).toBe('2026-03-10T09:00:00.000Z');
    // Open now, two hours later.
    expect(at(promiseTime(base({ requestedTime: new Date('2026-03-10T14:00:00Z') })))).toBe('2026-03-10T14:00:00.000Z');
  });

  it('a later time is refused when too soon, outside hours, or not today', async () => {
    const tooSoon = promiseTime(base({ requestedTime: new Date('2026-03-10T12:30:00Z') }));
    expect(tooSoon).toMatchObject({ ok: false, error: 'invalid_requested_time' });
    if (!tooSoon.ok) expect(tooSoon.message).toContain('15:50');
    // Busy mode moves the earliest time too.
    expect(promiseTime(base({ busyMinutes: 30, requestedTime: new Date('2026-03-10T13:00:00Z') })).ok).toBe(false);
    // Ready at 22:30 Moscow > closing 22:00.
    expect(promiseTime(base({ requestedTime: new Date('2026-03-10T20:00:00Z') }))).toMatchObject({ ok: false, error: 'invalid_requested_time' });
    // Before opening + preparation (10:10 Moscow, delivery 30: ready 09:40).
    const early = promiseTime(base({ now: new Date('2026-03-10T04:00:00Z'), requestedTime: new Date('2026-03-10T07:10:00Z') }));
    expect(early).toMatchObject({ ok: false, error: 'invalid_requested_time' });
    // Tomorrow.
    expect(promiseTime(base({ requestedTime: new Date('2026-03-11T12:00:00Z') }))).toMatchObject({ ok: false, error: 'invalid_requested_time' });
  });

  it('"today" is the city-local day: 23:30Z is already tomorrow in Novosibirsk', async () => {
    const now = new Date('2026-03-10T12:00:00Z'); // 19:00 Novosibirsk
    const o = promiseTime(base({ zone: 'Asia/Novosibirsk', hours: null, now, requestedTime: new Date('2026-03-10T17:30:00Z') }));
    expect(o).toMatchObject({ ok: false, error: 'invalid_requested_time' });
    expect(promiseTime(base({ zone: 'Asia/Novosibirsk', hours: null, now, requestedTime: new Date('2026-03-10T15:30:00Z') })).ok).toBe(true);
  });

  it('no hours (a city without restaurants) is always open', async () => {
    expect(promiseTime(base({ hours: null, now: new Date('2026-03-10T01:00:00Z') })).ok).toBe(true);
  });
});
