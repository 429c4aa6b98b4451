import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { City, OrderDetail } from '@ordercast/shared';
import OrderPanel from '../../src/components/OrderPanel.vue';
import OrdersView from '../../src/views/OrdersView.vue';
import { browserLang, i18n, langForUser, localAddress, localName, setLang, storedLang, t } from '../../src/i18n';
import { clock, dateTime, money, points, todayIn } from '../../src/lib/format';
import { useBoard } from '../../src/stores/board';
import { useSession } from '../../src/stores/session';
import { order } from './fixtures';

const CITIES: City[] = [
  { id: 1, name: 'Москва', name_en: 'Moscow', timezone: 'Europe/Moscow' },
  { id: 3, name: 'Новосибирск', name_en: 'Novosibirsk', timezone: 'Asia/Novosibirsk' },
] as City[];
const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

function detail(over: Partial<OrderDetail> = {}): OrderDetail {
  return {
    ...order({ id: 77, created_at: '2026-01-01T12:00:00.000Z', delivery: { type: 'delivery', address: 'Nevsky 1' } }),
    history: [{ from: null, to: 'pending', at: '2026-01-01T12:00:00.000Z', source: 'customer', by_user_id: 10, reason: null }],
    customer: { id: 10, name: 'Anna', phone: null, username: null },
    sync: { status: 'pending', attempts: 0, last_error: null, next_retry_at: null, last_attempt_at: null },
    ...over,
  };
}

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});
afterEach(() => setLang('en'));

describe('language', () => {
  it("follows the browser at first: Russian for a Russian browser, English otherwise", () => {
    expect(browserLang(['ru-RU', 'en-US'])).toBe('ru');
    expect(browserLang(['de-DE', 'en-GB'])).toBe('en');
    expect(browserLang(['uk-UA'])).toBe('en');
    expect(browserLang([])).toBe('en');
  });

  it('is remembered per user: each user gets back their own choice at sign-in', () => {
    setLang('ru', 5);
    setLang('en', 6);
    expect(storedLang(5)).toBe('ru');
    expect(storedLang(6)).toBe('en');
    expect(langForUser(5)).toBe('ru');
    expect(i18n.global.locale.value).toBe('ru');
    expect(langForUser(6)).toBe('en');
    // A user who never chose gets the language the sign-in page showed, without it being stored as their choice.
    setLang('ru');
    expect(langForUser(7)).toBe('ru');
    expect(storedLang(7)).toBeNull();
    setLang('en');
    expect(langForUser(7)).toBe('en');
  });

  it('names catalogue entities and addresses in the interface language, Russian where there is no English address', () => {
    const r = { name: 'Гуляш на Тверской', name_en: 'Goulash on Tverskaya', address: 'Тверская 1', address_en: 'Tverskaya 1' };
    setLang('ru');
    expect([localName(r), localAddress(r)]).toEqual(['Гуляш на Тверской', 'Тверская 1']);
    setLang('en');
    expect([localName(r), localAddress(r)]).toEqual(['Goulash on Tverskaya', 'Tverskaya 1']);
    expect(localAddress({ ...r, address_en: '' })).toBe('Тверская 1');
  });

  it('speaks Russian with Russian plurals', () => {
    setLang('ru');
    expect(t('nav.board')).toBe('Заказы онлайн');
    expect([1, 3, 5, 21].map((n) => t('orders.count', { n }, n))).toEqual(['1 заказ', '3 заказа', '5 заказов', '21 заказ']);
    setLang('en');
    expect([1, 3].map((n) => t('orders.count', { n }, n))).toEqual(['1 order', '3 orders']);
  });
});

describe("times on the city's clock, money without kopecks", () => {
  it("formats an instant in the city's zone, not the browser's", () => {
    const at = '2026-01-01T12:00:00.000Z';
    expect(clock(at, 'Europe/Moscow')).toBe('15:00');
    expect(clock(at, 'Asia/Novosibirsk')).toBe('19:00');
    expect(dateTime(at, 'Asia/Novosibirsk')).toContain('19:00');
    expect(todayIn('Asia/Novosibirsk', Date.parse('2026-01-01T20:00:00Z'))).toBe('2026-01-02');
    expect(todayIn('Europe/Moscow', Date.parse('2026-01-01T20:00:00Z'))).toBe('2026-01-01');
  });

  it('shows whole roubles without ",00" and bonus points without fractions', () => {
    setLang('ru');
    expect(nbsp(money(1250))).toBe('1 250 ₽');
    expect(nbsp(points(39.95))).toBe('39');
  });

  it("the order panel shows the order's times on its city's clock, in the chosen language", async () => {
    const session = useSession();
    session.cities = CITIES;
    const board = useBoard();
    board.selectedId = 77;
    board.detail = detail({ city_id: 3 });
    const w = mount(OrderPanel);
    expect(w.get('[data-testid="panel-placed"]').text()).toContain('19:00');
    expect(w.get('[data-testid="panel-history"]').text()).toContain('19:00');
    setLang('ru');
    await w.vm.$nextTick();
    expect(w.text()).toContain('Заказ №0077');
    expect(w.get('[data-testid="panel-placed"]').text()).toContain('Новосибирск');
    expect(w.get('[data-testid="panel-earned"]').text()).toBe('+39 баллов');
    board.detail = detail({ city_id: 3, bonuses_earned: 41 });
    await w.vm.$nextTick();
    expect(w.get('[data-testid="panel-earned"]').text()).toBe('+41 балл');
    w.unmount();
  });
});

describe('orders list', () => {
  it('lists each status once in the filter', () => {
    const w = mount(OrdersView);
    const labels = w.get('[data-testid="orders-status"]').findAll('option').map((o) => o.text());
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.filter((l) => l === 'Completed')).toHaveLength(1);
    expect(labels.filter((l) => l === 'Cancelled')).toHaveLength(1);
    w.unmount();
  });
});
