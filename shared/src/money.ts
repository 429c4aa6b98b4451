/**
 * Money is stored in minor units (kopecks) and travels in major units (roubles, two decimals).
 * Bonus rules live here so the checkout shows exactly the cap the server enforces.
 */
/** Kinds of bonus ledger rows (and of `bonus-updated` operations). */
export const BONUS_OPERATIONS = ['earned', 'used', 'refunded', 'adjusted'] as const;
export type BonusOperationType = (typeof BONUS_OPERATIONS)[number];

export const toMinor = (major: number): number => Math.round(major * 100);
export const toMajor = (minor: number): number => minor / 100;

/** Most bonuses (minor units) an order may spend: min(balance, floor(subtotal × maxShare)). */
export function bonusCapMinor(subtotalMinor: number, balanceMinor: number, maxShare: number): number {
  return Math.max(0, Math.min(balanceMinor, Math.floor(subtotalMinor * maxShare)));
}

/**
 * Bonuses an order earns on completion, from what was actually paid (both in minor units).
 * One bonus point is one rouble, and only whole points are credited (rounded down), so neither
 * the ledger nor any screen ever holds "+39,95". The product is rounded to 6 places before the
 * floor so that float noise (0.29 × 10 000 = 2899.9999…) cannot cost a customer a point.
 */
export function earnedBonuses(paidTotalMinor: number, rate: number): number {
  if (!(paidTotalMinor > 0) || !(rate > 0)) return 0;
  const points = Math.floor(Number(((paidTotalMinor * rate) / 100).toFixed(6)));
  return points * 100;
}

export type MoneyLocale = 'ru' | 'en';
const formats = new Map<string, Intl.NumberFormat>();
function format(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formats.get(key);
  if (!f) formats.set(key, (f = make()));
  return f;
}
const tag = (l: MoneyLocale) => (l === 'ru' ? 'ru-RU' : 'en-US');

/** Roubles (major units) for display: "1 250 ₽" / "₽1,250" for whole roubles, both kopeck digits otherwise. */
export function formatMoney(roubles: number, locale: MoneyLocale = 'ru'): string {
  const whole = Number.isInteger(Math.round(roubles * 100) / 100);
  return format(`m:${locale}:${whole}`, () =>
    new Intl.NumberFormat(tag(locale), {
      style: 'currency',
      currency: 'RUB',
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: whole ? 0 : 2,
    }),
  ).format(roubles);
}

/** Bonus points (major units on the wire) for display: whole points, any fraction dropped. */
export function formatBonuses(points: number, locale: MoneyLocale = 'ru'): string {
  return format(`b:${locale}`, () => new Intl.NumberFormat(tag(locale), { maximumFractionDigits: 0 })).format(
    Math.trunc(Number(points.toFixed(6))),
  );
}
