import { describe, expect, it } from 'vitest';
import { amountToPay, bonusCap, clampBonuses } from '../../src/logic/bonus';

describe('bonus cap = min(balance, floor(subtotal × max_share))', () => {
  it('is limited by the share of the subtotal', () => {
    expect(bonusCap(1250, 500, 0.3)).toBe(375);
  });
  it('is limited by the balance', () => {
    expect(bonusCap(5000, 500, 0.3)).toBe(500);
  });
  it('floors to whole kopecks', () => {
    // 333.33 × 0.3 = 99.999 → 99.99
    expect(bonusCap(333.33, 1000, 0.3)).toBe(99.99);
  });
  it('is zero without balance or subtotal', () => {
    expect(bonusCap(1000, 0, 0.3)).toBe(0);
    expect(bonusCap(0, 500, 0.3)).toBe(0);
  });
  it('the amount to pay subtracts bonuses exactly and never goes negative', () => {
    expect(amountToPay(780.3, 234.09)).toBe(546.21);
    expect(amountToPay(100, 150)).toBe(0);
  });
  it('clamps the customer’s wish into [0, cap]', () => {
    expect(clampBonuses(1000, 375)).toBe(375);
    expect(clampBonuses(-5, 375)).toBe(0);
    expect(clampBonuses(100.5, 375)).toBe(100.5);
  });
});
