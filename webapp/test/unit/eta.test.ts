import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { setLocale } from '../../src/i18n';
import { clockIn, estimateAsap, laterTodaySlots, promisedText, todaysHours } from '../../src/logic/eta';
import { cityNotice } from '../../src/logic/city-notice';
import { byNearest, distanceKm } from '../../src/logic/nearest';
import CityNotice from '../../src/components/CityNotice.vue';
import { cityStatus, restaurant } from './fixtures';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

beforeEach(() => setLocale('en'));

describe('promised time text', () => {
  // 16:40 UTC is 19:40 in Moscow (UTC+3) and 23:40 in Novosibirsk (UTC+7).
  const at = '2026-01-15T16:40:00.000Z';

  it('pickup reads "ready by", delivery "delivered by", on the city clock', () => {
    expect(promisedText(at, 'pickup', 'Europe/Moscow', 'en')).toBe('Ready by 19:40');
    expect(promisedText(at, 'delivery', 'Europe/Moscow', 'en')).toBe('Delivered by 19:40');
    expect(promisedText(at, 'delivery', 'Asia/Novosibirsk', 'en')).toBe('Delivered by 23:40');
  });

  it('in Russian, and "about" for an estimate before the order exists', () => {
    setLocale('ru');
    expect(promisedText(at, 'pickup', 'Europe/Moscow', 'ru')).toBe('Будет готов к 19:40');
    expect(promisedText(at, 'delivery', 'Europe/Moscow', 'ru')).toBe('Доставим к 19:40');
    expect(promisedText(at, 'delivery', 'Europe/Moscow', 'ru', true)).toBe('Доставим примерно к 19:40');
  });

  it('the estimate adds the kitchen, the busy delay and, for delivery, the ride', () => {
    const now = new Date('2026-01-15T16:00:00.000Z');
    expect(estimateAsap({ now, type: 'delivery', prepMinutes: 20, busyMinutes: 10, deliveryMinutes: 30 })).toBe('2026-01-15T17:00:00.000Z');
    expect(estimateAsap({ now, type: 'pickup', prepMinutes: 20, busyMinutes: 10, deliveryMinutes: 30 })).toBe('2026-01-15T16:30:00.000Z');
    expect(clockIn('2026-01-15T17:00:00.000Z', 'Europe/Moscow', 'en')).toBe('20:00');
  });
});

describe('later today', () => {
  it('offers quarter hours from now plus the lead until closing, on the city clock', () => {
    // 16:05 UTC = 19:05 Moscow; lead 40 min → 19:45 → first slot 19:45, last 22:00.
    const slots = laterTodaySlots({ now: new Date('2026-01-15T16:05:00.000Z'), timeZone: 'Europe/Moscow', opens: '10:00', closes: '22:00', leadMinutes: 40 });
    expect(slots[0]).toEqual({ label: '19:45', at: '2026-01-15T16:45:00.000Z' });
    expect(slots.at(-1)!.label).toBe('22:00');
    expect(slots).toHaveLength(10);
  });

  it('before opening, the first slot is the opening time plus the lead', () => {
    // 04:00 UTC = 07:00 Moscow, opens 10:00, lead 20 → 10:30 (rounded up to the quarter).
    const slots = laterTodaySlots({ now: new Date('2026-01-15T04:00:00.000Z'), timeZone: 'Europe/Moscow', opens: '10:00', closes: '23:00', leadMinutes: 20 });
    expect(slots[0]!.label).toBe('10:30');
    expect(slots[0]!.at).toBe('2026-01-15T07:30:00.000Z');
  });

  it('after closing there is nothing left today', () => {
    expect(laterTodaySlots({ now: new Date('2026-01-15T19:30:00.000Z'), timeZone: 'Europe/Moscow', opens: '10:00', closes: '22:00', leadMinutes: 20 })).toEqual([]);
  });

  it("today's hours follow the city's weekday (Monday first)", () => {
    const hours = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    // Sunday 20:00 UTC is already Monday 03:00 in Novosibirsk.
    const at = new Date('2026-01-18T20:00:00.000Z');
    expect(todaysHours(hours, at, 'Europe/Moscow')).toBe('sun');
    expect(todaysHours(hours, at, 'Asia/Novosibirsk')).toBe('mon');
  });
});

describe('the paused / closed notice', () => {
  const now = new Date('2026-01-15T14:00:00.000Z'); // 17:00 Moscow

  it('a paused city gives the reason and when it reopens, and blocks checkout', () => {
    const n = cityNotice(
      cityStatus({ pause: { reason: 'Kitchen repair', until: '2026-01-15T16:00:00.000Z', since: 't' }, accepting_orders: false, refusal: 'city_paused', reopens_at: '2026-01-15T16:00:00.000Z' }),
      'Europe/Moscow',
      'en',
      now,
    );
    expect(n).toEqual({ kind: 'paused', title: 'Ordering is paused: Kitchen repair', detail: 'We take orders again at 19:00.', blocksCheckout: true });
  });

  it('a pause without an end says so; in Russian too', () => {
    setLocale('ru');
    const n = cityNotice(cityStatus({ pause: { reason: 'Ремонт', until: null, since: 't' }, accepting_orders: false, refusal: 'city_paused' }), 'Europe/Moscow', 'ru', now);
    expect(n?.title).toBe('Приём заказов приостановлен: Ремонт');
    expect(n?.detail).toBe('Скоро снова начнём принимать заказы.');
  });

  it('closed before opening: "opens at 10:00" and later today still possible', () => {
    const early = new Date('2026-01-15T04:00:00.000Z'); // 07:00 Moscow
    const n = cityNotice(cityStatus({ open_now: false, accepting_orders: false, refusal: 'closed', next_open_at: '2026-01-15T07:00:00.000Z', reopens_at: '2026-01-15T07:00:00.000Z' }), 'Europe/Moscow', 'en', early);
    expect(n).toEqual({ kind: 'closed', title: 'Closed now · opens at 10:00', detail: 'You can still order for later today.', blocksCheckout: false });
  });

  it('closed for the night: opens tomorrow, nothing to order today', () => {
    const late = new Date('2026-01-15T20:30:00.000Z'); // 23:30 Moscow
    const n = cityNotice(cityStatus({ open_now: false, accepting_orders: false, refusal: 'closed', reopens_at: '2026-01-16T07:00:00.000Z' }), 'Europe/Moscow', 'en', late);
    expect(n?.title).toBe('Closed now · opens tomorrow at 10:00');
    expect(n?.blocksCheckout).toBe(true);
  });

  it('busy mode is a hint, not a block; a normal city has no notice', () => {
    expect(cityNotice(cityStatus({ busy_minutes: 15 }), 'Europe/Moscow', 'en', now)).toMatchObject({ kind: 'busy', title: 'Busy right now: orders take about 15 min longer.', blocksCheckout: false });
    expect(cityNotice(cityStatus(), 'Europe/Moscow', 'en', now)).toBeNull();
  });

  it('the component shows it with its kind', () => {
    const w = mount(CityNotice, {
      props: {
        status: cityStatus({ pause: { reason: 'Storm', until: null, since: 't' }, accepting_orders: false, refusal: 'city_paused' }),
        timeZone: 'Europe/Moscow',
        now: now.getTime(),
      },
    });
    expect(w.get('[data-testid="city-notice"]').attributes('data-kind')).toBe('paused');
    expect(nbsp(w.text())).toContain('Ordering is paused: Storm');
    expect(mount(CityNotice, { props: { status: cityStatus() } }).find('[data-testid="city-notice"]').exists()).toBe(false);
  });
});

describe('nearest pickup point', () => {
  // Moscow: Red Square, Belorusskaya, Sokolniki.
  const centre = restaurant(1, { lat: 55.7539, lng: 37.6208 });
  const north = restaurant(2, { lat: 55.7766, lng: 37.5817 });
  const east = restaurant(3, { lat: 55.7893, lng: 37.6797 });

  it('sorts by distance from the customer', () => {
    const here = { lat: 55.78, lng: 37.58 }; // by Belorusskaya
    const rows = byNearest([centre, north, east], here);
    expect(rows.map((r) => r.item.id)).toEqual([2, 1, 3]);
    expect(rows[0]!.km!).toBeLessThan(1);
  });

  it('without a location keeps the given order and no distances', () => {
    expect(byNearest([centre, north, east], null).map((r) => [r.item.id, r.km])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
  });

  it('distance is about right (Moscow → Saint Petersburg ≈ 634 km)', () => {
    expect(distanceKm({ lat: 55.7558, lng: 37.6173 }, { lat: 59.9343, lng: 30.3351 })).toBeGreaterThan(620);
    expect(distanceKm({ lat: 55.7558, lng: 37.6173 }, { lat: 59.9343, lng: 30.3351 })).toBeLessThan(645);
  });
});
