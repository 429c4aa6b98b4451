import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIVE_STATUSES, nextStatuses } from '@ordercast/shared';
import {
  ageOf,
  allowedActions,
  applyStatusUpdate,
  applyPaymentEvent,
  applySyncEvent,
  groupBoard,
  matchesQuery,
  newArrivals,
  upsertOrder,
  type OrderMap,
} from '../../src/lib/board';
import { useBoard } from '../../src/stores/board';
import { usePrefs } from '../../src/stores/prefs';
import { order } from './fixtures';

describe('groupBoard', () => {
  it('makes a column per active status, with counts, oldest first, and leaves finished orders out', () => {
    const orders = [
      order({ id: 1, status: 'pending', created_at: '2026-01-01T12:05:00.000Z' }),
      order({ id: 2, status: 'pending', created_at: '2026-01-01T12:01:00.000Z' }),
      order({ id: 3, status: 'preparing' }),
      order({ id: 4, status: 'completed' }),
      order({ id: 5, status: 'cancelled' }),
      order({ id: 6, status: 'delivering', delivery: { type: 'delivery', address: 'x' } }),
    ];
    const cols = groupBoard(orders);
    expect(cols.map((c) => c.status)).toEqual([...ACTIVE_STATUSES]);
    expect(Object.fromEntries(cols.map((c) => [c.status, c.count]))).toEqual({ pending: 2, confirmed: 0, preparing: 1, ready: 0, delivering: 1 });
    expect(cols[0]!.orders.map((o) => o.id)).toEqual([2, 1]);
    expect(cols.flatMap((c) => c.orders).some((o) => o.id === 4 || o.id === 5)).toBe(false);
  });

  it('filters by city, by search and by shown columns', () => {
    const orders = [
      order({ id: 11, city_id: 1, phone: '+7 900 111-22-33' }),
      order({ id: 12, city_id: 2, status: 'ready' }),
      order({ id: 13, city_id: 1, status: 'ready', phone: null }),
    ];
    expect(groupBoard(orders, { cityId: 2 }).flatMap((c) => c.orders.map((o) => o.id))).toEqual([12]);
    expect(groupBoard(orders, { cityId: null, q: '0013' }).flatMap((c) => c.orders.map((o) => o.id))).toEqual([13]);
    expect(groupBoard(orders, { cityId: null, q: '#0013' }).flatMap((c) => c.orders.map((o) => o.id))).toEqual([13]);
    expect(groupBoard(orders, { cityId: null, q: '111-22' }).flatMap((c) => c.orders.map((o) => o.id))).toEqual([11]);
    const onlyReady = groupBoard(orders, { cityId: 1, statuses: ['ready'] });
    expect(onlyReady.map((c) => c.status)).toEqual(['ready']);
    expect(onlyReady[0]!.orders.map((o) => o.id)).toEqual([13]);
  });

  it('search: order number, id, or at least three digits of the phone', () => {
    const o = order({ id: 42, order_number: '0042', phone: '+7 (912) 345-67-89' });
    expect(matchesQuery(o, '0042')).toBe(true);
    expect(matchesQuery(o, '42')).toBe(true);
    expect(matchesQuery(o, '345-67')).toBe(true);
    expect(matchesQuery(o, '9123')).toBe(true);
    expect(matchesQuery(o, '77')).toBe(false);
    expect(matchesQuery(o, '  ')).toBe(true);
  });
});

describe('events on the board', () => {
  it('never makes a second card for a replayed new-order', () => {
    const map: OrderMap = new Map();
    const o = order({ id: 100 });
    expect(upsertOrder(map, o)).toBe(true);
    expect(upsertOrder(map, { ...o })).toBe(true);
    expect(map.size).toBe(1);
    expect(groupBoard(map.values())[0]!.count).toBe(1);
  });

  it('keeps the newer copy when an older snapshot arrives late', () => {
    const map: OrderMap = new Map();
    const newer = order({ id: 101, status: 'confirmed', updated_at: '2026-01-01T12:10:00.000Z' });
    upsertOrder(map, newer);
    expect(upsertOrder(map, { ...newer, status: 'pending', updated_at: '2026-01-01T12:00:00.000Z' })).toBe(false);
    expect(map.get(101)!.status).toBe('confirmed');
  });

  it('moves a card on order-status-updated; duplicates and stale events do nothing; unknown orders are reported', () => {
    const map: OrderMap = new Map();
    upsertOrder(map, order({ id: 7, status: 'pending', updated_at: '2026-01-01T12:00:00.000Z' }));
    const ev = { orderId: 7, oldStatus: 'pending', newStatus: 'confirmed', timestamp: '2026-01-01T12:01:00.000Z' } as const;
    expect(applyStatusUpdate(map, ev)).toBe('applied');
    expect(map.get(7)!.status).toBe('confirmed');
    expect(applyStatusUpdate(map, ev)).toBe('stale');
    expect(applyStatusUpdate(map, { ...ev, newStatus: 'pending', timestamp: '2026-01-01T11:59:00.000Z' })).toBe('stale');
    expect(applyStatusUpdate(map, { ...ev, orderId: 999 })).toBe('unknown');
    expect(applyStatusUpdate(map, { orderId: 7, oldStatus: 'confirmed', newStatus: 'cancelled', timestamp: '2026-01-01T12:02:00.000Z' })).toBe('applied');
    expect(groupBoard(map.values()).every((c) => c.count === 0)).toBe(true);
  });

  it('marks the sync state from sync events', () => {
    const map: OrderMap = new Map();
    upsertOrder(map, order({ id: 8 }));
    const t = '2026-01-01T12:00:00.000Z';
    expect(applySyncEvent(map, { entity: 'order', entityId: 8, error: 'timeout', timestamp: t, nextRetryAt: t }, 'error')).toBe(true);
    expect(map.get(8)!.sync_status).toBe('retrying');
    applySyncEvent(map, { entity: 'order', entityId: 8, error: 'rejected', timestamp: t, nextRetryAt: null }, 'error');
    expect(map.get(8)!.sync_status).toBe('failed');
    applySyncEvent(map, { entity: 'order', entityId: 8, timestamp: t }, 'success');
    expect(map.get(8)!.sync_status).toBe('synced');
    expect(applySyncEvent(map, { entity: 'menu', entityId: 8, timestamp: t }, 'success')).toBe(false);
  });
});

describe('applyPaymentEvent', () => {
  const at = '2026-01-01T12:00:00.000Z';
  const ev = (status: 'unpaid' | 'paid' | 'refund_due' | 'refunded', oldStatus: 'unpaid' | 'paid' | 'refund_due' | 'refunded') => ({
    orderId: 9, method: 'online' as const, status, oldStatus, telegramChargeId: 'tg-1', providerChargeId: 'pr-1', timestamp: at,
  });

  it('moves the card\'s money live: paid, then refund due, with the charge ids; a replay changes nothing', () => {
    const map: OrderMap = new Map();
    upsertOrder(map, order({ id: 9, payment_method: 'online', payment_status: 'unpaid' }));
    expect(applyPaymentEvent(map, ev('paid', 'unpaid'))).toBe(true);
    expect(map.get(9)).toMatchObject({ payment_status: 'paid', payment: { telegram_payment_charge_id: 'tg-1', provider_payment_charge_id: 'pr-1' } });
    expect(applyPaymentEvent(map, ev('paid', 'unpaid'))).toBe(false);
    expect(applyPaymentEvent(map, ev('refund_due', 'paid'))).toBe(true);
    expect(map.get(9)!.payment_status).toBe('refund_due');
    expect(applyPaymentEvent(map, { ...ev('paid', 'unpaid'), orderId: 404 })).toBe(false);
  });
});

describe('allowedActions', () => {
  it('offers exactly the shared transition table, for every status and delivery type', () => {
    for (const status of ['pending', 'confirmed', 'preparing', 'ready', 'delivering', 'completed', 'cancelled'] as const) {
      for (const type of ['delivery', 'pickup'] as const) {
        const o = order({ status, delivery: { type, address: type === 'delivery' ? 'x' : null } });
        expect(allowedActions(o).map((a) => a.to)).toEqual(nextStatuses(status, type));
      }
    }
  });

  it('offers only cancelling for an online order not paid yet', () => {
    expect(allowedActions(order({ status: 'pending', payment_method: 'online', payment_status: 'unpaid' })).map((a) => a.to)).toEqual(['cancelled']);
    expect(allowedActions(order({ status: 'pending', payment_method: 'online', payment_status: 'paid' })).map((a) => a.to)).toEqual(['confirmed', 'cancelled']);
  });

  it('asks for a reason only when cancelling', () => {
    const actions = allowedActions(order({ status: 'pending' }));
    expect(actions).toEqual([
      { to: 'confirmed', label: 'Confirm', needsReason: false, tone: 'primary' },
      { to: 'cancelled', label: 'Cancel order', needsReason: true, tone: 'danger' },
    ]);
  });

  it('ready: delivery goes out, pickup is handed over; finished orders have none', () => {
    expect(allowedActions(order({ status: 'ready', delivery: { type: 'delivery', address: 'x' } })).map((a) => a.to)).toEqual(['delivering', 'cancelled']);
    expect(allowedActions(order({ status: 'ready' })).map((a) => [a.to, a.label])).toEqual([['completed', 'Handed over'], ['cancelled', 'Cancel order']]);
    expect(allowedActions(order({ status: 'completed' }))).toEqual([]);
    // Staff may cancel from every active status (issue 14).
    for (const status of ['pending', 'confirmed', 'preparing', 'ready', 'delivering'] as const) {
      expect(allowedActions(order({ status, delivery: { type: 'delivery', address: 'x' } })).some((a) => a.to === 'cancelled')).toBe(true);
    }
  });
});

describe('ageOf', () => {
  it('turns warn and late at the thresholds', () => {
    const created = '2026-01-01T12:00:00.000Z';
    const at = (min: number) => Date.parse(created) + min * 60_000;
    expect(ageOf(created, at(14.9))).toBe('ok');
    expect(ageOf(created, at(15))).toBe('warn');
    expect(ageOf(created, at(30))).toBe('late');
    expect(ageOf(created, at(6), { warnMinutes: 5, lateMinutes: 10 })).toBe('warn');
  });
});

describe('cancel reasons in words', () => {
  it('names the reason code and keeps the note; unknown codes show as they come', async () => {
    const { cancelReasonLabel, historyReason } = await import('../../src/lib/board');
    const { setLang } = await import('../../src/i18n');
    setLang('en');
    expect(cancelReasonLabel('out_of_stock')).toBe('Out of stock');
    expect(historyReason({ to: 'cancelled', reason: 'out_of_stock: No paprika' })).toBe('Out of stock: No paprika');
    expect(historyReason({ to: 'confirmed', reason: 'out_of_stock: x' })).toBe('out_of_stock: x');
    expect(cancelReasonLabel('not_paid')).toBe('Not paid in time');
    expect(cancelReasonLabel('lost_in_space')).toBe('lost_in_space');
    setLang('ru');
    expect(cancelReasonLabel('courier_unreachable')).toBe('Курьер не дозвонился до клиента');
    setLang('en');
  });
});

describe('orders that reach the board after the page opened', () => {
  beforeEach(() => {
    localStorage.clear();
    setActivePinia(createPinia());
  });

  it('newArrivals: above the baseline, waiting for a person, not announced yet; none before the baseline is known', () => {
    const list = [order({ id: 9 }), order({ id: 10 }), order({ id: 11 }), order({ id: 12, status: 'confirmed' }), order({ id: 13, status: 'preparing' }), order({ id: 14 })];
    expect(newArrivals(list, 10, new Set([14])).map((o) => o.id)).toEqual([11, 12]);
    expect(newArrivals(list, null, new Set())).toEqual([]);
  });

  it('a refetch marks new orders unseen and rings once, whichever way they came; never the ones of the first load, never twice', () => {
    const board = useBoard();
    const chimes: number[] = [];
    usePrefs().$onAction(({ name }) => void (name === 'chime' && chimes.push(Date.now())));
    board.openedAfterId = 20; // the newest order the user could see at first load
    // A refetch (city change, resync) brings two orders placed since, one already being cooked, and old ones.
    expect(board.arrive([order({ id: 19 }), order({ id: 20 }), order({ id: 21 }), order({ id: 22, status: 'confirmed' }), order({ id: 23, status: 'preparing' })])).toBe(2);
    expect([...board.unseen].sort()).toEqual([21, 22]);
    expect(chimes).toHaveLength(1);
    // The next refetch brings the same orders: nothing new to announce, and an opened order stays seen.
    board.markSeen(21);
    expect(board.arrive([order({ id: 21 }), order({ id: 22, status: 'confirmed' })])).toBe(0);
    expect([...board.unseen]).toEqual([22]);
    expect(chimes).toHaveLength(1);
    // One that arrived live (announced there) is not announced again by a refetch.
    board.announce(order({ id: 24 }));
    expect(board.unseen.has(24)).toBe(true);
    board.markSeen(24);
    expect(board.arrive([order({ id: 24 })])).toBe(0);
    expect(board.unseen.has(24)).toBe(false);
    // Signed out: the next sign-in takes a new baseline; until then nothing is new.
    board.reset();
    expect(board.openedAfterId).toBeNull();
    expect(board.arrive([order({ id: 30 })])).toBe(0);
  });

  describe('a refetch in flight', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('an order that arrives live while the board refetches stays on it, unseen, though the snapshot was taken before it', async () => {
      const board = useBoard();
      board.openedAfterId = 20;
      let respond!: (r: Response) => void;
      const fetched = new Promise<void>((called) =>
        vi.stubGlobal(
          'fetch',
          vi.fn(() => {
            called();
            return new Promise<Response>((r) => (respond = r));
          }),
        ),
      );
      const loading = board.load(1);
      await fetched;
      // The snapshot query is on its way; the order is placed and its `new-order` arrives first.
      const live = order({ id: 25, city_id: 1 });
      expect(board.onNewOrder(live)).toBe(true);
      board.announce(live);
      respond(new Response(JSON.stringify({ items: [order({ id: 21, city_id: 1 })], total: 1 }), { headers: { 'content-type': 'application/json' } }));
      await loading;
      expect([...board.orders.keys()].sort()).toEqual([21, 25]);
      expect(board.unseen.has(25)).toBe(true);
    });
  });
});
