import { describe, expect, it } from 'vitest';
import { bonusCapMinor, bonusEarnedMinor, toMajor, toMinor } from '../src/money';

describe('money in minor units', () => {
  it('converts roubles to kopecks, rounding away float noise', () => {
    expect(toMinor(1)).toBe(100);
    expect(toMinor(0.1 + 0.2)).toBe(30);
    expect(toMinor(19.99)).toBe(1999);
    expect(toMinor(1.005)).toBe(100); // 1.005 is 1.00499… as a double
    expect(toMinor(0)).toBe(0);
    expect(toMinor(-2.5)).toBe(-250);
  });

  it('converts back exactly for whole kopecks', () => {
    for (const minor of [0, 1, 99, 100, 1999, 123456]) expect(toMinor(toMajor(minor))).toBe(minor);
    expect(toMajor(1999)).toBe(19.99);
  });
});

describe('bonus rules', () => {
  it('caps spending at min(balance, floor(subtotal × share))', () => {
    expect(bonusCapMinor(100_000, 1_000_000, 0.3)).toBe(30_000);
    expect(bonusCapMinor(100_000, 5_000, 0.3)).toBe(5_000);
    expect(bonusCapMinor(99_999, 1_000_000, 0.3)).toBe(29_999); // 29 999.7 rounds down
    expect(bonusCapMinor(100_000, 0, 0.3)).toBe(0);
    expect(bonusCapMinor(100_000, 50_000, 0)).toBe(0);
    expect(bonusCapMinor(100_000, 200_000, 1)).toBe(100_000);
  });

  it('never lets the cap go negative (a negative balance spends nothing)', () => {
    expect(bonusCapMinor(100_000, -500, 0.3)).toBe(0);
  });

  it('earns floor(paid × rate) minor units', () => {
    expect(bonusEarnedMinor(100_000, 0.05)).toBe(5_000);
    expect(bonusEarnedMinor(1_999, 0.05)).toBe(99); // 99.95 rounds down
    expect(bonusEarnedMinor(0, 0.05)).toBe(0);
    expect(bonusEarnedMinor(100_000, 0)).toBe(0);
  });
});
