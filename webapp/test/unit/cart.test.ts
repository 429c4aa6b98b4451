import { describe, expect, it } from 'vitest';
import { product as p } from './fixtures';
import { cartCount, cartLines, cartSubtotal, clampQuantity, unavailableLines } from '../../src/logic/cart';


describe('cart totals', () => {
  const products = [p(1, 390), p(2, 0.1), p(3, 0.2), p(4, 150, false)];

  it('sums lines in kopecks, in menu order, skipping zero quantities and products not on the menu', () => {
    const lines = cartLines({ 3: 1, 1: 2, 2: 1, 99: 5, 4: 0 }, products);
    expect(lines.map((l) => l.product.id)).toEqual([1, 2, 3]);
    expect(lines[0]!.lineTotal).toBe(780);
    expect(cartSubtotal(lines)).toBe(780.3);
    expect(cartCount(lines)).toBe(4);
  });

  it('is zero for an empty cart', () => {
    expect(cartSubtotal(cartLines({}, products))).toBe(0);
    expect(cartCount([])).toBe(0);
  });

  it('finds lines that went on the stop-list', () => {
    const lines = cartLines({ 1: 1, 4: 2 }, products);
    expect(unavailableLines(lines).map((l) => l.product.id)).toEqual([4]);
  });

  it('clamps quantities to 0..99 whole units', () => {
    expect(clampQuantity(-1)).toBe(0);
    expect(clampQuantity(2.7)).toBe(2);
    expect(clampQuantity(150)).toBe(99);
    expect(clampQuantity(Number.NaN)).toBe(0);
  });
});
