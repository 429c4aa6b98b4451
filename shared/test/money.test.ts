import { describe, expect, it } from 'vitest';
import { bonusCapMinor, earnedBonuses, formatBonuses, formatMoney, toMajor, toMinor } from '../src/money';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('earnedBonuses (whole points, rounded down, in minor units)', () => {
  it('credits whole points only: 5 % of 799 ₽ is 39 points, not 39.95', async () => {
    expect(earnedBonuses(toMinor(799), 0.05)).toBe(3900);
  });
  it('rounds down even just below the next point, and never credits a fraction', async () => {
    expect(earnedBonuses(toMinor(39.99 * 20), 0.05)).toBe(3900);
    expect(earnedBonuses(toMinor(19.99), 0.05)).toBe(0);
    for (const total of [1, 99, 1234, 79_999, 100_001]) expect(earnedBonuses(total, 0.05) % 100).toBe(0);
  });
  it('is exact at whole results despite floating point (0.07 × 100 ₽ = 7 points)', async () => {
    expect(earnedBonuses(toMinor(100), 0.07)).toBe(700);
    expect(earnedBonuses(toMinor(300), 0.1)).toBe(3000);
  });
  it('gives nothing for nothing paid or a zero / negative rate', async () => {
    expect(earnedBonuses(0, 0.05)).toBe(0);
    expect(earnedBonuses(toMinor(500), 0)).toBe(0);
    expect(earnedBonuses(toMinor(500), -1)).toBe(0);
  });
});

describe('formatMoney: whole roubles without kopecks', () => {
  it('shows no ",00" for whole roubles', async () => {
    expect(nbsp(formatMoney(1250, 'ru'))).toBe('1 250 ₽');
    expect(nbsp(formatMoney(1250, 'en'))).toBe('₽1,250');
  });
  it('shows both kopeck digits when there are kopecks', async () => {
    expect(nbsp(formatMoney(39.5, 'ru'))).toBe('39,50 ₽');
    expect(nbsp(formatMoney(39.95, 'en'))).toBe('₽39.95');
  });
});

describe('formatBonuses: points, never a fraction', () => {
  it('drops any fraction (rounded down) and shows no currency', async () => {
    expect(nbsp(formatBonuses(39.95, 'ru'))).toBe('39');
    expect(nbsp(formatBonuses(1234.5, 'en'))).toBe('1,234');
  });
});

describe('money in minor units', () => {
  it('converts roubles to kopecks, rounding away float noise', async () => {
    expect(toMinor(1)).toBe(100);
    expect(toMinor(0.1 + 0.2)).toBe(30);
    expect(toMinor(19.99)).toBe(1999);
    expect(toMinor(1.005)).toBe(100); // 1.005 is 1.00499… as a double
    expect(toMinor(0)).toBe(0);
    expect(toMinor(-2.5)).toBe(-250);
  });

  it('converts back exactly for whole kopecks', async () => {
    for (const minor of [0, 1, 99, 100, 1999, 123456]) expect(toMinor(toMajor(minor))).toBe(minor);
    expect(toMajor(1999)).toBe(19.99);
  });
});

describe('bonus rules', () => {
  it('caps spending at min(balance, floor(subtotal × share))', async () => {
    expect(bonusCapMinor(100_000, 1_000_000, 0.3)).toBe(30_000);
    expect(bonusCapMinor(100_000, 5_000, 0.3)).toBe(5_000);
    expect(bonusCapMinor(99_999, 1_000_000, 0.3)).toBe(29_999); // 29 999.7 rounds down
    expect(bonusCapMinor(100_000, 0, 0.3)).toBe(0);
    expect(bonusCapMinor(100_000, 50_000, 0)).toBe(0);
    expect(bonusCapMinor(100_000, 200_000, 1)).toBe(100_000);
  });

  it('never lets the cap go negative (a negative balance spends nothing)', async () => {
    expect(bonusCapMinor(100_000, -500, 0.3)).toBe(0);
  });
});
