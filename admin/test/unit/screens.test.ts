import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CityStats, OrderDetail } from '@ordercast/shared';
import OrderCard from '../../src/components/OrderCard.vue';
import OrderPanel from '../../src/components/OrderPanel.vue';
import SyncPanel from '../../src/components/SyncPanel.vue';
import ToastHost from '../../src/components/ToastHost.vue';
import { setLang } from '../../src/i18n';
import { plainText, problemOf } from '../../src/lib/alerts';
import { DEFAULT_THRESHOLDS, cardDishes } from '../../src/lib/board';
import { chartZone, hoursOnClock } from '../../src/lib/chart';
import { startReminder } from '../../src/lib/reminder';
import { useAlerts } from '../../src/stores/alerts';
import { useBoard } from '../../src/stores/board';
import { useToasts } from '../../src/stores/toasts';
import { order } from './fixtures';

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});
afterEach(() => setLang('en'));

const NOW = Date.parse('2026-01-01T12:10:00.000Z');
const mountCard = (o = order(), extra: Record<string, unknown> = {}) =>
  mount(OrderCard, { props: { order: o, now: NOW, thresholds: DEFAULT_THRESHOLDS, fresh: false, selected: false, ...extra } });

describe('board card', () => {
  it("carries the customer's name, the first dishes, the address, a comment mark and a tel: link", () => {
    const o = order({
      customer_name: 'Olga Petrova',
      items: [
        { product_id: 1, name: 'Гуляш-суп', name_en: 'Goulash soup', price: 390, quantity: 2, line_total: 780, options: [] },
        { product_id: 2, name: 'Паприкаш', name_en: 'Paprikash', price: 450, quantity: 1, line_total: 450, options: [] },
        { product_id: 3, name: 'Лангош', name_en: 'Langos', price: 250, quantity: 1, line_total: 250, options: [] },
      ],
      delivery: { type: 'delivery', address: 'Tverskaya 7, flat 12' },
      comment: 'Door code 45',
      phone: '+7 (912) 345-67-89',
    });
    const w = mountCard(o);
    expect(w.get('[data-testid="card-customer"]').text()).toBe('Olga Petrova');
    expect(w.get('[data-testid="card-dishes"]').text()).toMatch(/^2× Goulash soup, Paprikash\s*\+1 more$/);
    expect(w.get('[data-testid="card-where"]').text()).toContain('Tverskaya 7, flat 12');
    expect(w.find('[data-testid="card-comment"]').exists()).toBe(true);
    expect(w.get('[data-testid="card-phone"]').attributes('href')).toBe('tel:+79123456789');
    w.unmount();
  });

  it('says "pickup" for pickup orders, has no comment mark without a comment, and speaks Russian', async () => {
    const w = mountCard(order({ delivery: { type: 'pickup', address: null }, comment: null }));
    expect(w.get('[data-testid="card-where"]').text()).toContain('Pickup');
    expect(w.find('[data-testid="card-comment"]').exists()).toBe(false);
    setLang('ru');
    await w.vm.$nextTick();
    expect(w.get('[data-testid="card-where"]').text()).toContain('Самовывоз');
    expect(w.text()).toMatch(/\d+ мин/);
    w.unmount();
  });

  it("shows the server's not_sent state in words", () => {
    const w = mountCard(order({ status: 'cancelled', sync_status: 'not_sent' as never }));
    expect(w.get('[data-testid="card-sync"]').text()).toBe('POS: not sent');
    w.unmount();
  });

  it('cuts long orders to the first two dishes', () => {
    expect(cardDishes([{ name: 'A', quantity: 1 }])).toEqual({ text: 'A', more: 0 });
    expect(cardDishes([{ name: 'A', quantity: 3 }, { name: 'B', quantity: 1 }, { name: 'C', quantity: 1 }, { name: 'D', quantity: 1 }])).toEqual({ text: '3× A, B', more: 2 });
    // A line's options follow its dish (issue 16).
    expect(cardDishes([{ name: 'Пельмени', quantity: 2, options: [{ name: '20 штук' }, { name: 'Сметана' }] }, { name: 'B', quantity: 1, options: [] }])).toEqual({
      text: '2× Пельмени (20 штук, Сметана), B',
      more: 0,
    });
  });
});

describe('the chime repeats for unopened new orders', () => {
  it('rings every interval while an order waits, and stops once it is opened', async () => {
    const board = useBoard();
    const o = order({ id: 501 });
    board.onNewOrder(o);
    board.markUnseen(o.id);
    let rings = 0;
    const stop = startReminder({ everyMs: 30, due: () => board.unseenCount > 0, ring: () => rings++ });
    await expect.poll(() => rings, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
    void board.openDetail(o.id); // opening it (the fetch may fail here: it is seen all the same)
    const after = rings;
    await new Promise((r) => setTimeout(r, 200));
    expect(rings).toBe(after);
    stop();
  });

  it("keeps ringing through the POS's automatic confirmation; stops when someone moves the order on", () => {
    const board = useBoard();
    const o = order({ id: 502 });
    board.onNewOrder(o);
    board.markUnseen(o.id);
    expect(board.unseenCount).toBe(1);
    board.onStatusUpdated({ orderId: 502, oldStatus: 'pending', newStatus: 'confirmed', timestamp: '2030-01-01T00:00:00.000Z' });
    expect(board.unseenCount).toBe(1);
    board.onStatusUpdated({ orderId: 502, oldStatus: 'confirmed', newStatus: 'preparing', timestamp: '2030-01-01T00:00:01.000Z' });
    expect(board.unseenCount).toBe(0);
  });

  it('marks the unopened card', () => {
    const w = mountCard(order(), { unseen: true });
    expect(w.attributes('data-unseen')).toBe('true');
    w.unmount();
  });
});

describe('sync alerts in words a manager understands', () => {
  const at = Date.parse('2026-01-01T12:00:00.000Z');
  it('turns transport jargon into what is wrong and what happens next', () => {
    expect(problemOf('POS unreachable: UND_ERR_SOCKET (other side closed)')).toBe('unreachable');
    expect(problemOf('POS did not answer within 1000 ms')).toBe('timeout');
    expect(problemOf('POS answered 503 Service Unavailable')).toBe('serverError');
    expect(problemOf('PRICE_MISMATCH: price changed')).toBe('rejected');
    expect(
      plainText({ entity: 'order', error: 'POS unreachable: UND_ERR_SOCKET (other side closed)', nextRetryAt: '2026-01-01T12:00:30.000Z' }, at),
    ).toBe('The kitchen system is not answering; we keep retrying, next try in 30 s');
    expect(plainText({ entity: 'order', error: 'timeout', nextRetryAt: null }, at)).toContain('we stopped retrying');
  });

  it('keeps the technical text in a details disclosure', () => {
    const alerts = useAlerts();
    alerts.onError({ entity: 'order', entityId: 3, error: 'POS unreachable: UND_ERR_SOCKET (other side closed)', timestamp: '2026-01-01T12:00:00.000Z', nextRetryAt: new Date(Date.now() + 30_000).toISOString() }, '#0003');
    const w = mount(SyncPanel);
    expect(w.get('[data-testid="sync-plain"]').text()).toMatch(/^The kitchen system is not answering; we keep retrying, next try in (29|30) s$/);
    const tech = w.get('[data-testid="sync-technical"]');
    expect(tech.text()).toContain('UND_ERR_SOCKET');
    expect(tech.element.closest('details')).not.toBeNull();
    w.unmount();
  });
});

describe('dashboard chart on one clock', () => {
  const city = (over: Partial<CityStats>): CityStats =>
    ({ city_id: 1, timezone: 'Europe/Moscow', date: '2026-01-01', orders_per_hour: Array(24).fill(0), ...over }) as CityStats;

  it('uses the selected city, or the first city with all cities', () => {
    const cities = [city({ city_id: 3, timezone: 'Asia/Novosibirsk' }), city({ city_id: 1 })];
    expect(chartZone(cities, null)).toBe('Europe/Moscow');
    expect(chartZone(cities, 3)).toBe('Asia/Novosibirsk');
  });

  it('puts orders of the same instant in the same bar, whatever their city', () => {
    // One order at 06:00 UTC in each city: 09:00 Moscow, 13:00 Novosibirsk local.
    const local = (h: number) => Array.from({ length: 24 }, (_, i) => (i === h ? 1 : 0));
    const moscow = city({ orders_per_hour: local(9) });
    const novosibirsk = city({ city_id: 3, timezone: 'Asia/Novosibirsk', orders_per_hour: local(13) });
    expect(hoursOnClock(moscow, 'Europe/Moscow')[9]).toBe(1);
    expect(hoursOnClock(novosibirsk, 'Europe/Moscow')[9]).toBe(1);
    // With the server's UTC buckets, those are used.
    const utc = city({ city_id: 3, timezone: 'Asia/Novosibirsk', orders_per_hour: local(13), orders_per_utc_hour: local(6) });
    expect(hoursOnClock(utc, 'Europe/Moscow')[9]).toBe(1);
    expect(hoursOnClock(utc, 'Asia/Novosibirsk')[13]).toBe(1);
  });
});

describe('printing', () => {
  function detail(): OrderDetail {
    return {
      ...order({ id: 88, customer_name: 'Olga', delivery: { type: 'delivery', address: 'Tverskaya 7' }, comment: 'No onions' }),
      history: [],
      customer: { id: 10, name: 'Olga', phone: '+7 912 000-00-00', username: null },
      sync: { status: 'synced', attempts: 1, last_error: null, next_retry_at: null, last_attempt_at: null },
    };
  }

  it('prints a kitchen ticket (dishes, no prices) and a courier ticket (who, where, phone, amount)', async () => {
    let printed = 0;
    // The browser's print dialog itself cannot run here: count the calls instead.
    window.print = () => void printed++;
    const board = useBoard();
    board.selectedId = 88;
    board.detail = detail();
    const w = mount(OrderPanel, { attachTo: document.body });
    await w.get('[data-testid="print-kitchen"]').trigger('click');
    await w.vm.$nextTick();
    const kitchen = document.querySelector('[data-testid="ticket-kitchen"]')!;
    expect(printed).toBe(1);
    expect(kitchen.textContent).toContain('2×');
    expect(kitchen.textContent).toContain('Goulash soup');
    expect(kitchen.textContent).toContain('No onions');
    expect(kitchen.textContent).not.toContain('₽');
    await w.get('[data-testid="print-courier"]').trigger('click');
    await w.vm.$nextTick();
    const courier = document.querySelector('[data-testid="ticket-courier"]')!;
    expect(printed).toBe(2);
    for (const s of ['Olga', 'Tverskaya 7', '+7 999 123-45-67', 'To pay: ₽780']) expect(courier.textContent).toContain(s);
    expect(document.querySelector('[data-testid="ticket-kitchen"]')).toBeNull();
    w.unmount();
  });
});

describe('toasts', () => {
  it('stand beside the order panel while it is open', () => {
    useToasts().push({ kind: 'info', title: 'Hello' });
    const w = mount(ToastHost, { props: { besidePanel: true } });
    expect(w.get('[data-testid="toasts"]').classes()).toContain('beside-panel');
    w.unmount();
  });
});
