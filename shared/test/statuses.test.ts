import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATUSES,
  awaitsPayment,
  CANCEL_REASONS,
  canTransition,
  customerCanCancel,
  DELIVERY_TYPES,
  happyPath,
  isFinal,
  nextStatuses,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  type DeliveryType,
  type OrderStatus,
} from '../src/statuses';

describe('order status transition table', () => {
  it('allows exactly these moves, by delivery type', () => {
    const all = (d: DeliveryType) => Object.fromEntries(ORDER_STATUSES.map((s) => [s, nextStatuses(s, d)]));
    expect(all('delivery')).toEqual({
      pending: ['confirmed', 'cancelled'],
      confirmed: ['preparing', 'cancelled'],
      preparing: ['ready', 'cancelled'],
      ready: ['delivering', 'cancelled'],
      delivering: ['completed', 'cancelled'],
      completed: [],
      cancelled: [],
    });
    expect(all('pickup')).toEqual({
      pending: ['confirmed', 'cancelled'],
      confirmed: ['preparing', 'cancelled'],
      preparing: ['ready', 'cancelled'],
      ready: ['completed', 'cancelled'],
      delivering: ['completed', 'cancelled'],
      completed: [],
      cancelled: [],
    });
  });

  it('canTransition agrees with nextStatuses for every pair, and never allows staying put', () => {
    for (const d of DELIVERY_TYPES) {
      for (const from of ORDER_STATUSES) {
        for (const to of ORDER_STATUSES) {
          expect(canTransition(from, to, d), `${d}: ${from} → ${to}`).toBe(nextStatuses(from, d).includes(to));
        }
        expect(canTransition(from, from, d)).toBe(false);
      }
    }
  });

  it('an online order not paid yet may only be cancelled; every other order moves as the table says', () => {
    for (const m of PAYMENT_METHODS) {
      for (const p of PAYMENT_STATUSES) expect(awaitsPayment(m, p), `${m}/${p}`).toBe(m === 'online' && p === 'unpaid');
    }
    for (const d of DELIVERY_TYPES) {
      for (const from of ORDER_STATUSES) {
        expect(nextStatuses(from, d, true)).toEqual(nextStatuses(from, d).filter((to) => to === 'cancelled'));
        expect(canTransition(from, 'cancelled', d, true)).toBe(nextStatuses(from, d).includes('cancelled'));
      }
    }
    expect(canTransition('pending', 'confirmed', 'pickup', true)).toBe(false);
  });

  it('walks the happy path of each delivery type one allowed step at a time, ending final', () => {
    for (const d of DELIVERY_TYPES) {
      const path = happyPath(d);
      expect(path[0]).toBe('pending');
      for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!, d), `${d}: step ${i}`).toBe(true);
      expect(isFinal(path[path.length - 1]!)).toBe(true);
    }
    expect(happyPath('pickup')).not.toContain('delivering');
  });

  it('final statuses have no way out; active ones all do, and are exactly the non-final ones', () => {
    const final = ORDER_STATUSES.filter(isFinal);
    expect(final).toEqual(['completed', 'cancelled']);
    for (const s of final) for (const d of DELIVERY_TYPES) expect(nextStatuses(s, d)).toEqual([]);
    expect([...ACTIVE_STATUSES]).toEqual(ORDER_STATUSES.filter((s) => !isFinal(s)));
    for (const s of ACTIVE_STATUSES) expect(nextStatuses(s, 'delivery').length + nextStatuses(s, 'pickup').length).toBeGreaterThan(0);
  });

  it('cancellation: staff from every active status, the customer only before the kitchen starts', () => {
    for (const d of DELIVERY_TYPES) {
      const cancellable = ORDER_STATUSES.filter((s: OrderStatus) => canTransition(s, 'cancelled', d));
      expect(cancellable).toEqual([...ACTIVE_STATUSES]);
    }
    expect(ORDER_STATUSES.filter(customerCanCancel)).toEqual(['pending', 'confirmed']);
    // Whatever the customer may cancel, staff may too.
    for (const s of ORDER_STATUSES.filter(customerCanCancel)) expect(canTransition(s, 'cancelled', 'delivery')).toBe(true);
    expect([...CANCEL_REASONS]).toEqual(['customer_asked', 'out_of_stock', 'courier_unreachable', 'duplicate', 'other', 'not_paid']);
  });
});
