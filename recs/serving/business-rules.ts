import { EventKind, type CatalogView, type ItemEvent, type ScoredItem } from '../types.ts';
import { diversify } from './diversity.ts';

/** Serving-time rules; every field is optional and off when absent. */
export interface BusinessRules {
  /** Drop items that are out of stock (default true). */
  inStockOnly?: boolean;
  /** Drop items the customer bought within this many days, unless marked repeat-purchase. */
  notBoughtWithinDays?: number;
  /** Keep only these category indices. */
  categories?: readonly number[];
  /** Drop these category indices. */
  excludeCategories?: readonly number[];
  /** Price range in minor units, inclusive; items with unknown price are kept. */
  minPriceMinor?: number;
  maxPriceMinor?: number;
  /** Drop these items (already in the cart, the product the message is about, ...). */
  excludeItems?: readonly number[];
  /** Each further item from a category already shown has its score multiplied by this (0..1]. */
  categoryRepeatPenalty?: number;
  /** Hard cap on items per category. */
  maxPerCategory?: number;
}

export interface RuleContext {
  catalog: CatalogView;
  /** The customer's events (to find recent purchases). */
  history: readonly ItemEvent[];
  now: number;
}

/**
 * Filters candidates by the rules, then re-ranks for category diversity and keeps `k`. Pure:
 * prices and stock are as the catalogue view says; the message templates resolve them again at
 * send time.
 */
export function applyBusinessRules(candidates: readonly ScoredItem[], rules: BusinessRules, context: RuleContext, k: number): ScoredItem[] {
  const { catalog } = context;
  const blocked = new Set(rules.excludeItems ?? []);
  if (rules.notBoughtWithinDays !== undefined) {
    const since = context.now - rules.notBoughtWithinDays * 86_400;
    for (const e of context.history) if (e.kind === EventKind.purchase && e.time >= since && catalog.repeatPurchase[e.item] !== 1) blocked.add(e.item);
  }
  const allowed = rules.categories ? new Set(rules.categories) : undefined;
  const excluded = new Set(rules.excludeCategories ?? []);
  const kept = candidates.filter(({ item }) => {
    if (item < 0 || item >= catalog.size || blocked.has(item)) return false;
    if ((rules.inStockOnly ?? true) && catalog.inStock[item] !== 1) return false;
    const category = catalog.category[item]!;
    if (allowed && !allowed.has(category)) return false;
    if (excluded.has(category)) return false;
    const price = catalog.priceMinor[item]!;
    if (price >= 0 && rules.minPriceMinor !== undefined && price < rules.minPriceMinor) return false;
    if (price >= 0 && rules.maxPriceMinor !== undefined && price > rules.maxPriceMinor) return false;
    return true;
  });
  return diversify(kept, catalog.category, k, rules.categoryRepeatPenalty ?? 1, rules.maxPerCategory ?? Infinity);
}
