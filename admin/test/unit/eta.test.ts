import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import OrderCard from '../../src/components/OrderCard.vue';
import { setLang } from '../../src/i18n';
import { DEFAULT_THRESHOLDS } from '../../src/lib/board';
import { countdown, dueOf } from '../../src/lib/eta';
import { useBoard } from '../../src/stores/board';
import { usePrefs } from '../../src/stores/prefs';
import { order } from './fixtures';

const PROMISED = '2026-01-01T12:40:00.000Z';
const at = (hhmm: string) => Date.parse(`2026-01-01T${hhmm}:00.000Z`);

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  setLang('en');
});

describe('countdown to the promised time', () => {
  it('ok before the window, amber within it, red once past', () => {
    const w = { warnMinutes: 10 };
    expect(dueOf(PROMISED, at('12:29'), w)).toBe('ok');
    expect(dueOf(PROMISED, at('12:30'), w)).toBe('warn');
    expect(dueOf(PROMISED, at('12:40'), w)).toBe('warn');
    expect(dueOf(PROMISED, at('12:41'), w)).toBe('late');
  });

  it('reads minutes left, then minutes late, in both languages', () => {
    expect(countdown(PROMISED, at('12:28'))).toBe('12 min left');
    expect(countdown(PROMISED, at('12:45'))).toBe('late 5 min');
    expect(countdown(PROMISED, at('10:10'))).toBe('2 h 30 min left');
    setLang('ru');
    expect(countdown(PROMISED, at('12:28'))).toBe('ещё 12 мин');
    expect(countdown(PROMISED, at('12:45'))).toBe('опоздание 5 мин');
  });
});

describe('board card colours', () => {
  const card = (now: string, over: Parameters<typeof order>[0] = {}) =>
    mount(OrderCard, {
      props: {
        order: order({ id: 5, created_at: '2026-01-01T12:00:00.000Z', promised_at: PROMISED, ...over }),
        now: at(now),
        thresholds: DEFAULT_THRESHOLDS,
        dueWindow: { warnMinutes: 10 },
        fresh: false,
        selected: false,
        timeZone: 'Europe/Moscow',
      },
    });

  it('counts down to promised_at, not from when it was placed', () => {
    // Placed 35 min ago (late by the old thresholds), but due in 5 min: amber, not red.
    const w = card('12:35');
    expect(w.classes()).toContain('age-warn');
    expect(w.get('[data-testid="card-due"]').text()).toBe('5 min left');
    expect(w.text()).toContain('Due 15:40');
  });

  it('green well before, red once late', () => {
    expect(card('12:05').classes()).toContain('age-ok');
    const late = card('12:52');
    expect(late.classes()).toContain('age-late');
    expect(late.get('[data-testid="card-due"]').attributes('data-due')).toBe('late');
    expect(late.get('[data-testid="card-due"]').text()).toContain('late 12 min');
  });

  it('an order without a promised time keeps the minutes-since-placed colours', () => {
    const w = card('12:31', { promised_at: null });
    expect(w.classes()).toContain('age-late');
    expect(w.text()).toContain('31 min');
  });
});

describe('warning window and live moves', () => {
  it("the server's window applies unless this device set its own", () => {
    const prefs = usePrefs();
    prefs.useServerEtaWarn(15);
    expect(prefs.dueWindow.warnMinutes).toBe(15);
    prefs.setEtaWarn(5);
    prefs.useServerEtaWarn(20);
    expect(prefs.dueWindow.warnMinutes).toBe(5);
    prefs.setEtaWarn(null);
    expect(prefs.dueWindow.warnMinutes).toBe(20);
  });

  it('order-eta-updated moves the card’s promised time', () => {
    const board = useBoard();
    board.onNewOrder(order({ id: 31, promised_at: PROMISED }));
    board.onEtaUpdated({ orderId: 31, promisedAt: '2026-01-01T13:00:00.000Z', oldPromisedAt: PROMISED, reason: 'Rush', timestamp: 't' });
    expect(board.orders.get(31)!.promised_at).toBe('2026-01-01T13:00:00.000Z');
  });
});
