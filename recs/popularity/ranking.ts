export interface CategoryRanking {
  /** All items with a positive score, best first. */
  global: Int32Array;
  /** Per category index, its best items, best first. */
  byCategory: Int32Array[];
}

/** Orders items by score once; per-category lists fall out of one pass over that order. */
export function rankByCategory(score: Float64Array, category: Int32Array | undefined, perCategory: number): CategoryRanking {
  const items: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i]! > 0) items.push(i);
  items.sort((a, b) => score[b]! - score[a]! || a - b);
  const lists: number[][] = [];
  if (category) {
    for (const i of items) {
      const c = category[i] ?? -1;
      if (c < 0) continue;
      const list = (lists[c] ??= []);
      if (list.length < perCategory) list.push(i);
    }
  }
  return { global: Int32Array.from(items), byCategory: Array.from(lists, (l) => Int32Array.from(l ?? [])) };
}
