import type { Product } from '@ordercast/shared';
import { toMajor, toMinor } from '@ordercast/shared';

/** productId → quantity */
export type CartQuantities = Record<number, number>;

export interface CartLine {
  product: Product;
  quantity: number;
  /** roubles */
  lineTotal: number;
}

export const MAX_QUANTITY = 99;

/** Lines for the products still on the menu, in menu order; money summed in kopecks so 0.1 + 0.2 never shows. */
export function cartLines(quantities: CartQuantities, products: readonly Product[]): CartLine[] {
  const lines: CartLine[] = [];
  for (const product of products) {
    const quantity = quantities[product.id] ?? 0;
    if (quantity > 0) lines.push({ product, quantity, lineTotal: toMajor(toMinor(product.price) * quantity) });
  }
  return lines;
}

export function cartSubtotal(lines: readonly CartLine[]): number {
  return toMajor(lines.reduce((sum, l) => sum + toMinor(l.product.price) * l.quantity, 0));
}

export function cartCount(lines: readonly CartLine[]): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

/** Lines that cannot be ordered right now (stop-list). */
export function unavailableLines(lines: readonly CartLine[]): CartLine[] {
  return lines.filter((l) => !l.product.available);
}

export function clampQuantity(q: number): number {
  if (!Number.isFinite(q)) return 0;
  return Math.max(0, Math.min(MAX_QUANTITY, Math.floor(q)));
}
