import type { Product, ProductOption, ProductOptionGroup } from '@ordercast/shared';
import { toMajor, toMinor } from '@ordercast/shared';

/**
 * line key → quantity. A line is a dish with its chosen options: `"7"` (no options) or `"7:12,21"`
 * (option ids sorted), so the same dish with other options is another line. Carts saved before
 * options (keys of product ids) read as lines without options.
 */
export type CartQuantities = Record<string, number>;

export interface CartLine {
  key: string;
  product: Product;
  /** The chosen options as the menu has them now (today's prices). */
  options: ProductOption[];
  quantity: number;
  /** roubles: the dish and its options */
  unitPrice: number;
  /** roubles */
  lineTotal: number;
  /** false: the dish or one of its options is off the menu, or the choice no longer fits its groups. */
  available: boolean;
}

export const MAX_QUANTITY = 99;

export function lineKey(productId: number, optionIds: readonly number[] = []): string {
  return optionIds.length ? `${productId}:${[...optionIds].sort((a, b) => a - b).join(',')}` : String(productId);
}

export function parseKey(key: string): { productId: number; optionIds: number[] } {
  const [id, opts] = key.split(':');
  return { productId: Number(id), optionIds: opts ? opts.split(',').map(Number) : [] };
}

/** The first group the choice breaks (too few or too many), or null when the choice is complete. */
export function choiceProblem(product: Product, optionIds: readonly number[]): { group: ProductOptionGroup; kind: 'missing' | 'tooMany' } | null {
  const chosen = new Set(optionIds);
  for (const group of product.option_groups) {
    const n = group.options.filter((o) => chosen.has(o.id)).length;
    if (n < group.min) return { group, kind: 'missing' };
    if (n > group.max) return { group, kind: 'tooMany' };
  }
  return null;
}

/** The dish's price with these options, in roubles (summed in kopecks). */
export function unitPrice(product: Product, options: readonly ProductOption[]): number {
  return toMajor(options.reduce((sum, o) => sum + toMinor(o.price), toMinor(product.price)));
}

function optionsOf(product: Product, optionIds: readonly number[]): { options: ProductOption[]; missing: boolean } {
  const all = new Map(product.option_groups.flatMap((g) => g.options.map((o) => [o.id, o] as const)));
  const options: ProductOption[] = [];
  let missing = false;
  for (const id of optionIds) {
    const o = all.get(id);
    if (o) options.push(o);
    else missing = true;
  }
  return { options, missing };
}

/** Lines for the products still on the menu, in menu order; money summed in kopecks so 0.1 + 0.2 never shows. */
export function cartLines(quantities: CartQuantities, products: readonly Product[]): CartLine[] {
  const byProduct = new Map<number, string[]>();
  for (const key of Object.keys(quantities)) {
    const id = parseKey(key).productId;
    const keys = byProduct.get(id);
    if (keys) keys.push(key);
    else byProduct.set(id, [key]);
  }
  const lines: CartLine[] = [];
  for (const product of products) {
    for (const key of byProduct.get(product.id) ?? []) {
      const quantity = quantities[key] ?? 0;
      if (quantity <= 0) continue;
      const ids = parseKey(key).optionIds;
      const { options, missing } = optionsOf(product, ids);
      const unit = unitPrice(product, options);
      const available = product.available && !missing && options.every((o) => o.available) && choiceProblem(product, ids) === null;
      lines.push({ key, product, options, quantity, unitPrice: unit, lineTotal: toMajor(toMinor(unit) * quantity), available });
    }
  }
  return lines;
}

export function cartSubtotal(lines: readonly CartLine[]): number {
  return toMajor(lines.reduce((sum, l) => sum + toMinor(l.unitPrice) * l.quantity, 0));
}

export function cartCount(lines: readonly CartLine[]): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

/** Lines that cannot be ordered right now (stop-list, an option gone or stopped). */
export function unavailableLines(lines: readonly CartLine[]): CartLine[] {
  return lines.filter((l) => !l.available);
}

export function clampQuantity(q: number): number {
  if (!Number.isFinite(q)) return 0;
  return Math.max(0, Math.min(MAX_QUANTITY, Math.floor(q)));
}

/** What a past order's line becomes today: a cart line key, or why it cannot be repeated. */
export interface RepeatItem {
  product_id: number;
  name: string;
  name_en: string;
  quantity: number;
  options: readonly { option_id: number }[];
}

/**
 * "Repeat": the past order's dishes and options as cart lines at today's prices; lines whose dish
 * or an option is off the menu (or whose choice no longer fits) are left out and named.
 */
export function repeatLines(items: readonly RepeatItem[], byId: ReadonlyMap<number, Product>): { add: { key: string; quantity: number }[]; missing: RepeatItem[] } {
  const add: { key: string; quantity: number }[] = [];
  const missing: RepeatItem[] = [];
  for (const item of items) {
    const product = byId.get(item.product_id);
    const ids = item.options.map((o) => o.option_id);
    const key = lineKey(item.product_id, ids);
    const line = product && cartLines({ [key]: item.quantity }, [product])[0];
    if (line?.available) add.push({ key, quantity: item.quantity });
    else missing.push(item);
  }
  return { add, missing };
}
