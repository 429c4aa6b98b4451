import { describe, expect, it } from 'vitest';
import { findStartParam, openStartTarget, parseStartParam, type StartActions } from '../../src/start-param';

describe('start_param → where the Mini App opens', () => {
  it('reads initData start_param first, then tgWebAppStartParam, then the button URL\'s startapp', () => {
    expect(findStartParam('city-2', '?startapp=order-5')).toBe('city-2');
    expect(findStartParam(undefined, '?tgWebAppStartParam=order-5&startapp=city-1')).toBe('order-5');
    expect(findStartParam('', '?startapp=city-3')).toBe('city-3');
    expect(findStartParam(undefined, '')).toBeUndefined();
    // Only Telegram's alphabet (A-Z a-z 0-9 _ -) is taken.
    expect(findStartParam('city-2<script>', '?startapp=../x')).toBeUndefined();
  });

  it('maps city-N, order-N and orders; anything else is no target', () => {
    expect(parseStartParam('city-2')).toEqual({ kind: 'city', cityId: 2 });
    expect(parseStartParam('order-123')).toEqual({ kind: 'order', orderId: 123 });
    expect(parseStartParam('orders')).toEqual({ kind: 'orders' });
    for (const p of [undefined, '', 'city-', 'city-x', 'order-1-2', 'promo', 'city-2 ']) expect(parseStartParam(p)).toBeNull();
  });

  function actions(ownOrders: number[], cities: number[]) {
    const log: string[] = [];
    const act: StartActions = {
      switchCity: async (id) => {
        if (!cities.includes(id)) throw new Error('unknown city');
        log.push(`city ${id}`);
      },
      loadOrder: async (id) => {
        // The server's GET /api/orders/:id: 404 for an order that is not the customer's.
        if (!ownOrders.includes(id)) throw Object.assign(new Error('Not found'), { status: 404 });
        return { id };
      },
      go: async (route) => {
        log.push(`go ${route.name}${route.params?.id ? ` ${route.params.id}` : ''}`);
      },
    };
    return { act, log };
  }

  it('city-2 switches to that city and shows its menu', async () => {
    const { act, log } = actions([], [1, 2, 3]);
    await openStartTarget({ kind: 'city', cityId: 2 }, act);
    expect(log).toEqual(['city 2', 'go menu']);
  });

  it('an unknown city leaves the customer where they are', async () => {
    const { act, log } = actions([], [1, 2, 3]);
    await openStartTarget({ kind: 'city', cityId: 99 }, act);
    expect(log).toEqual([]);
  });

  it('order-N opens the order for its owner; another customer\'s order opens their own orders list', async () => {
    const mine = actions([7], [1]);
    await openStartTarget({ kind: 'order', orderId: 7 }, mine.act);
    expect(mine.log).toEqual(['go order 7']);
    const theirs = actions([7], [1]);
    await openStartTarget({ kind: 'order', orderId: 8 }, theirs.act);
    expect(theirs.log).toEqual(['go orders']);
  });
});
