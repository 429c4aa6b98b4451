import { describe, expect, it } from 'vitest';
import { product as p } from './fixtures';
import type { Product } from '@ordercast/shared';
import { cartCount, cartLines, cartSubtotal, choiceProblem, clampQuantity, lineKey, repeatLines, unavailableLines } from '../../src/logic/cart';


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

describe('lines with options', () => {
  // Pelmeni: a required portion (12 pcs free, 20 pcs +250), extras up to 3 (sour cream 40, broth 50 stopped).
  const pelmeni: Product = {
    ...p(7, 450),
    option_groups: [
      { id: 1, kind: 'single', name: 'Порция', name_en: 'Portion', min: 1, max: 1, options: [
        { id: 11, name: '12', name_en: '12', price: 0, available: true },
        { id: 12, name: '20', name_en: '20', price: 250, available: true },
      ] },
      { id: 2, kind: 'multiple', name: 'Добавки', name_en: 'Extras', min: 0, max: 3, options: [
        { id: 21, name: 'Сметана', name_en: 'Sour cream', price: 40, available: true },
        { id: 22, name: 'Бульон', name_en: 'Broth', price: 50, available: false },
      ] },
    ],
  };
  const products = [p(1, 390), pelmeni];

  it('keys a line by the dish and its sorted options: other options, another line', () => {
    expect(lineKey(7, [21, 12])).toBe('7:12,21');
    expect(lineKey(1)).toBe('1');
    const lines = cartLines({ '7:12,21': 2, '7:11': 1, 1: 1 }, products);
    expect(lines.map((l) => [l.key, l.unitPrice, l.lineTotal])).toEqual([
      ['1', 390, 390],
      ['7:12,21', 740, 1480],
      ['7:11', 450, 450],
    ]);
    expect(cartSubtotal(lines)).toBe(2320);
  });

  it('a line whose option is stopped, gone, or whose choice no longer fits is not orderable', () => {
    const lines = cartLines({ '7:11,22': 1, '7:11,99': 1, 7: 1, '7:11': 1 }, products);
    expect(Object.fromEntries(lines.map((l) => [l.key, l.available]))).toEqual({ '7:11,22': false, '7:11,99': false, 7: false, '7:11': true });
    expect(cartSubtotal(unavailableLines(lines))).toBeGreaterThan(0);
  });

  it('names the first group a choice breaks', () => {
    expect(choiceProblem(pelmeni, [])).toMatchObject({ group: { id: 1 }, kind: 'missing' });
    expect(choiceProblem(pelmeni, [11, 12])).toMatchObject({ group: { id: 1 }, kind: 'tooMany' });
    expect(choiceProblem(pelmeni, [12, 21])).toBeNull();
  });

  it('repeats a past order at today\'s menu, leaving out and naming what is gone', () => {
    const byId = new Map(products.map((x) => [x.id, x]));
    const item = (product_id: number, quantity: number, options: number[]) => ({ product_id, name: `p${product_id}`, name_en: `p${product_id}`, quantity, options: options.map((option_id) => ({ option_id })) });
    const { add, missing } = repeatLines([item(7, 2, [12, 21]), item(7, 1, [11, 22]), item(5, 1, []), item(1, 3, [])], byId);
    expect(add).toEqual([
      { key: '7:12,21', quantity: 2 },
      { key: '1', quantity: 3 },
    ]);
    expect(missing.map((m) => m.product_id)).toEqual([7, 5]);
  });
});
