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

/** Bonuses an order earns on completion (minor units), from what was actually paid. */
export function bonusEarnedMinor(totalMinor: number, earnRate: number): number {
  return Math.floor(totalMinor * earnRate);
}
