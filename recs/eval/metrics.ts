/** 1-based rank of `target` in the first `cutoff` entries of `list`, or 0 when absent. */
export function rankOf(list: readonly number[], target: number, cutoff: number): number {
  const n = Math.min(cutoff, list.length);
  for (let r = 0; r < n; r++) if (list[r] === target) return r + 1;
  return 0;
}

/** Running hit rate and mean reciprocal rank for next-item prediction. */
export class NextItemMetrics {
  cases = 0;
  private hits = 0;
  private reciprocal = 0;

  constructor(readonly cutoff = 20) {}

  record(list: readonly number[], target: number): void {
    const rank = rankOf(list, target, this.cutoff);
    this.cases++;
    if (rank > 0) {
      this.hits++;
      this.reciprocal += 1 / rank;
    }
  }

  get hitRate(): number {
    return this.cases === 0 ? 0 : this.hits / this.cases;
  }

  get mrr(): number {
    return this.cases === 0 ? 0 : this.reciprocal / this.cases;
  }
}

/** Recall@k = hits / min(k, |relevant|), the convention that lets a perfect list score 1. */
export function recallAt(list: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, list.length); r++) if (relevant.has(list[r]!)) hits++;
  return hits / Math.min(k, relevant.size);
}

/** NDCG@k with binary relevance. */
export function ndcgAt(list: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  for (let r = 0; r < Math.min(k, list.length); r++) if (relevant.has(list[r]!)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}
