import { bonusCapMinor, toMajor, toMinor } from '@ordercast/shared';

/** Most bonuses (roubles) the order may spend: min(balance, floor(subtotal × maxShare)) — the very rule the server enforces. */
export function bonusCap(subtotal: number, balance: number, maxShare: number): number {
  return toMajor(bonusCapMinor(toMinor(subtotal), toMinor(balance), maxShare));
}

/** What the customer pays after bonuses (never below zero), in roubles. */
export function amountToPay(subtotal: number, bonusesToUse: number): number {
  return toMajor(Math.max(0, toMinor(subtotal) - toMinor(bonusesToUse)));
}

/** The bonuses actually applied: the wish clamped into [0, cap]. */
export function clampBonuses(wish: number, cap: number): number {
  if (!Number.isFinite(wish) || wish <= 0) return 0;
  return toMajor(Math.min(toMinor(wish), toMinor(cap)));
}
