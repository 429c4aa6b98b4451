/**
 * Delivery pricing (issue 16): the one rule both the server (which applies it) and the Mini App
 * (which previews it) use. All amounts in minor units (kopecks). The free-delivery threshold and
 * the minimum are compared with the subtotal (the dishes, before bonuses): bonuses pay for food,
 * they do not make an order smaller.
 */
export interface ZoneTermsMinor {
  feeMinor: number;
  /** null: never free. */
  freeFromMinor: number | null;
  minOrderMinor: number;
}

export interface DeliveryQuote {
  /** The fee this subtotal pays (0 from the free threshold on). */
  feeMinor: number;
  /** How much is missing to reach the zone's minimum (0: enough). */
  shortOfMinimumMinor: number;
  /** How much more would make delivery free (null: never free, or already free). */
  toFreeMinor: number | null;
}

export function deliveryQuote(terms: ZoneTermsMinor, subtotalMinor: number): DeliveryQuote {
  const free = terms.freeFromMinor !== null && subtotalMinor >= terms.freeFromMinor;
  return {
    feeMinor: free ? 0 : terms.feeMinor,
    shortOfMinimumMinor: Math.max(0, terms.minOrderMinor - subtotalMinor),
    toFreeMinor: terms.freeFromMinor === null || free ? null : terms.freeFromMinor - subtotalMinor,
  };
}
