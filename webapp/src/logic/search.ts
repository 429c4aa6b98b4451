import type { Product } from '@ordercast/shared';

/*
 * Menu search on the phone, over the menu already loaded (no request, no index to download): name
 * and description in both languages, forgiving a typo or a missing letter ("борш" finds "Борщ",
 * "pelmeny" finds "Pelmeni"). A city's menu is a few dozen dishes, so a linear scan is instant.
 */

const normalize = (s: string) => s.toLowerCase().replace(/ё/g, 'е');
const words = (s: string) => normalize(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** Optimal string alignment distance (Levenshtein with adjacent swaps), stopping early above `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Typos allowed for a typed word: none for short ones (too many false hits), one from 4 letters, two from 8. */
const allowance = (len: number) => (len >= 8 ? 2 : len >= 4 ? 1 : 0);

/** Does a typed word match a word of the dish: a part of it, or its beginning with a typo or two. */
function wordMatches(token: string, word: string): boolean {
  if (word.includes(token)) return true;
  const k = allowance(token.length);
  if (k === 0) return false;
  // The typed word against the dish word's beginning of about the same length (the customer may still be typing).
  for (let len = token.length - k; len <= token.length + k; len++) {
    if (len < 1 || len > word.length) continue;
    if (distance(token, word.slice(0, len), k) <= k) return true;
  }
  return false;
}

export interface SearchIndex {
  product: Product;
  words: string[];
}

export function searchIndex(products: readonly Product[]): SearchIndex[] {
  return products.map((p) => ({ product: p, words: words(`${p.name} ${p.name_en} ${p.description} ${p.description_en}`) }));
}

/** Dishes where every typed word matches some word; those matching by name first, menu order kept otherwise. */
export function searchMenu(index: readonly SearchIndex[], query: string): Product[] {
  const tokens = words(query);
  if (tokens.length === 0) return [];
  const hits: { product: Product; byName: boolean }[] = [];
  for (const entry of index) {
    if (!tokens.every((t) => entry.words.some((w) => wordMatches(t, w)))) continue;
    const nameWords = words(`${entry.product.name} ${entry.product.name_en}`);
    hits.push({ product: entry.product, byName: tokens.every((t) => nameWords.some((w) => wordMatches(t, w))) });
  }
  return [...hits.filter((h) => h.byName), ...hits.filter((h) => !h.byName)].map((h) => h.product);
}
