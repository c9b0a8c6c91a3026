import type { ScoredItem } from '../types.ts';

/**
 * Greedy re-ranking: repeatedly take the candidate with the best score after a penalty of
 * `penalty^n` for the n items of its category already taken, skipping categories at `maxPer`.
 * With penalty 1 and no cap it is a plain top-k. Items of unknown category (-1) are never
 * penalised. O(k · candidates), fine for the few hundred candidates an engine returns.
 */
export function diversify(candidates: readonly ScoredItem[], category: Int32Array, k: number, penalty: number, maxPer: number): ScoredItem[] {
  const taken = new Map<number, number>();
  const used = new Uint8Array(candidates.length);
  const out: ScoredItem[] = [];
  while (out.length < k) {
    let best = -1;
    let bestScore = -Infinity;
    candidates.forEach((c, n) => {
      if (used[n]) return;
      const cat = category[c.item] ?? -1;
      const shown = cat < 0 ? 0 : (taken.get(cat) ?? 0);
      if (shown >= maxPer) return;
      const adjusted = c.score * Math.pow(penalty, shown);
      if (adjusted > bestScore) {
        best = n;
        bestScore = adjusted;
      }
    });
    const pick = candidates[best];
    if (!pick) break;
    used[best] = 1;
    const cat = category[pick.item] ?? -1;
    if (cat >= 0) taken.set(cat, (taken.get(cat) ?? 0) + 1);
    out.push({ item: pick.item, score: bestScore });
  }
  return out;
}
