import { describe, expect, it } from 'vitest';
import { EventKind, type CatalogView } from '../types.ts';
import { applyBusinessRules } from './business-rules.ts';

// items 0..5: categories [0,0,0,1,1,2], prices, item 4 out of stock, item 2 a repeat-purchase item
const catalog: CatalogView = {
  size: 6,
  category: Int32Array.of(0, 0, 0, 1, 1, 2),
  priceMinor: Float64Array.of(1000, 2000, 500, 9000, 100, -1),
  inStock: Uint8Array.of(1, 1, 1, 1, 0, 1),
  repeatPurchase: Uint8Array.of(0, 0, 1, 0, 0, 0),
};
const candidates = [5, 4, 3, 2, 1, 0].map((item, n) => ({ item, score: 10 - n }));
const now = 100 * 86_400;
const history = [
  { item: 1, time: now - 86_400, kind: EventKind.purchase },
  { item: 2, time: now - 86_400, kind: EventKind.purchase },
  { item: 0, time: now - 90 * 86_400, kind: EventKind.purchase },
];
const items = (rules: Parameters<typeof applyBusinessRules>[1], k = 6) => applyBusinessRules(candidates, rules, { catalog, history, now }, k).map((s) => s.item);

describe('business rules', () => {
  it('drops out-of-stock items by default', () => {
    expect(items({})).toEqual([5, 3, 2, 1, 0]);
  });

  it('drops recent purchases unless they are repeat-purchase items', () => {
    expect(items({ notBoughtWithinDays: 30 })).toEqual([5, 3, 2, 0]);
  });

  it('filters by category and by price, keeping unknown prices', () => {
    expect(items({ categories: [0, 2] })).toEqual([5, 2, 1, 0]);
    expect(items({ excludeCategories: [0] })).toEqual([5, 3]);
    expect(items({ minPriceMinor: 900, maxPriceMinor: 5000 })).toEqual([5, 1, 0]);
  });

  it('diversifies across categories', () => {
    // without penalty: 3 (cat 1), 2, 1 (cat 0); penalty 0.5 lets category 2 in before a second cat-0 item
    const pool = [{ item: 0, score: 10 }, { item: 1, score: 9 }, { item: 2, score: 8 }, { item: 5, score: 6 }];
    const pick = (rules: Parameters<typeof applyBusinessRules>[1]) => applyBusinessRules(pool, rules, { catalog, history: [], now }, 3).map((s) => s.item);
    expect(pick({})).toEqual([0, 1, 2]);
    expect(pick({ categoryRepeatPenalty: 0.5 })).toEqual([0, 5, 1]);
    expect(pick({ maxPerCategory: 1 })).toEqual([0, 5]);
  });
});
