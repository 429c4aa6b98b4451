import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Menu } from '@ordercast/shared';
import { city, product } from './fixtures';
import { useCart } from '../../src/stores/cart';
import { useMenu } from '../../src/stores/menu';
import { useBonuses } from '../../src/stores/bonuses';


const MENU: Menu = {
  city: city(),
  categories: [{ id: 1, name: 'Супы', name_en: 'Soups', sort: 1 }],
  products: [product(1, 390), product(2, 350), product(3, 420)],
};

function setup(balance = 500) {
  setActivePinia(createPinia());
  localStorage.clear();
  const menu = useMenu();
  menu.menu = MENU;
  const bonuses = useBonuses();
  bonuses.balance = balance;
  bonuses.maxShare = 0.3;
  const cart = useCart();
  cart.useCity(1);
  return { cart, menu, bonuses };
}

describe('cart store', () => {
  beforeEach(() => vi.unstubAllGlobals());

  it('totals, bonus cap and amount to pay follow the cart and the balance', () => {
    const { cart, bonuses } = setup(500);
    cart.add(1);
    cart.add(1);
    cart.add(2);
    expect(cart.count).toBe(3);
    expect(cart.subtotal).toBe(1130);
    // min(500, floor(1130 × 0.3) = 339)
    expect(cart.cap).toBe(339);
    // Bonuses are the customer's choice: none until asked for, then any amount up to the cap.
    expect(cart.bonusesToUse).toBe(0);
    expect(cart.toPay).toBe(1130);
    cart.bonusWish = 200;
    expect(cart.bonusesToUse).toBe(200);
    expect(cart.toPay).toBe(930);
    cart.bonusWish = 1000;
    expect(cart.bonusesToUse).toBe(339);
    expect(cart.toPay).toBe(791);
    bonuses.balance = 100;
    expect(cart.bonusesToUse).toBe(100);
    cart.remove(1);
    cart.remove(1);
    cart.remove(2);
    expect(cart.count).toBe(0);
    expect(cart.cap).toBe(0);
  });

  it('a live stop-list change marks the line as blocked, leaves it out of the sum, and it can be removed', () => {
    const { cart, menu } = setup();
    cart.add(1);
    cart.add(3);
    menu.applyUpdate({ cityId: 1, productId: 3, available: false, price: 420, timestamp: 't' });
    expect(cart.blocked.map((l) => l.product.id)).toEqual([3]);
    expect(cart.subtotal).toBe(390);
    menu.applyUpdate({ cityId: 1, productId: 3, available: true, price: 420, timestamp: 't' });
    expect(cart.subtotal).toBe(810);
    menu.applyUpdate({ cityId: 1, productId: 3, available: false, price: 420, timestamp: 't' });
    cart.removeUnavailable();
    expect(cart.blocked).toEqual([]);
    expect(cart.count).toBe(1);
    cart.add(3);
    menu.applyUpdate({ cityId: 1, productId: 3, available: true, price: 450, timestamp: 't' });
    expect(cart.blocked).toEqual([]);
    expect(cart.subtotal).toBe(840);
  });

  it('another city starts an empty cart; the cart survives a reload', () => {
    const { cart } = setup();
    cart.add(1);
    const again = (() => {
      setActivePinia(createPinia());
      useMenu().menu = MENU;
      return useCart();
    })();
    expect(again.quantity(1)).toBe(1);
    again.useCity(2);
    expect(again.count).toBe(0);
    expect(cart.quantity(1)).toBe(1);
  });

  it('a retry of the same checkout reuses its Idempotency-Key; a changed order gets a new one', async () => {
    const { cart } = setup();
    cart.add(1);
    cart.deliveryType = 'pickup';
    const keys: string[] = [];
    const bodies: unknown[] = [];
    let fail = true;
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
      bodies.push(JSON.parse(String(init.body)));
      if (fail) throw new TypeError('network down');
      return new Response(JSON.stringify({ order: { id: 9 } }), { status: 201, headers: { 'content-type': 'application/json' } });
    });
    await expect(cart.placeOrder()).rejects.toMatchObject({ code: 'network' });
    await expect(cart.placeOrder()).rejects.toMatchObject({ code: 'network' });
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBe(keys[0]);
    cart.add(2);
    cart.bonusWish = 500;
    fail = false;
    const order = await cart.placeOrder();
    expect(order.id).toBe(9);
    expect(keys[2]).not.toBe(keys[0]);
    expect(bodies[2]).toEqual({
      cityId: 1,
      items: [
        { productId: 1, quantity: 1 },
        { productId: 2, quantity: 1 },
      ],
      delivery: { type: 'pickup' },
      bonusesToUse: 222,
    });
    // Placed: the cart is empty.
    expect(cart.count).toBe(0);
  });
});
