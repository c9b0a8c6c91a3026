import type { ScoreAccumulator } from './accumulator.ts';
import { TopK } from './topk.ts';

/**
 * The k most similar items per item, in fixed-width rows (row i occupies [i*k, i*k+k)), so a
 * row can be replaced or patched in place by incremental updates. Rows are kept best first.
 */
export class NeighborTable {
  count: Int32Array;
  item: Int32Array;
  score: Float32Array;

  constructor(
    public nItems: number,
    readonly k: number,
  ) {
    this.count = new Int32Array(nItems);
    this.item = new Int32Array(nItems * k);
    this.score = new Float32Array(nItems * k);
  }

  ensureItems(nItems: number): void {
    if (nItems <= this.nItems) return;
    const count = new Int32Array(nItems);
    const item = new Int32Array(nItems * this.k);
    const score = new Float32Array(nItems * this.k);
    count.set(this.count);
    item.set(this.item);
    score.set(this.score);
    Object.assign(this, { nItems, count, item, score });
  }

  /** Replaces row `i` with the best k of the accumulated scores (excluding i itself). */
  setRowFrom(i: number, acc: ScoreAccumulator, scoreOf: (j: number, raw: number) => number): void {
    const top = new TopK(this.k);
    for (let t = 0; t < acc.count; t++) {
      const j = acc.touched[t]!;
      if (j === i) continue;
      const s = scoreOf(j, acc.scores[j]!);
      if (s > 0) top.offer(j, s);
    }
    const base = i * this.k;
    const best = top.sorted();
    this.count[i] = best.length;
    best.forEach((n, r) => {
      this.item[base + r] = n.item;
      this.score[base + r] = n.score;
    });
  }

  /** Sets sim(i -> j) in row i: updates it if present, else replaces the weakest when better. */
  upsert(i: number, j: number, s: number): void {
    const base = i * this.k;
    const n = this.count[i]!;
    let at = -1;
    for (let r = 0; r < n; r++) if (this.item[base + r] === j) at = r;
    if (at < 0) {
      if (n < this.k) at = n;
      else if (s > this.score[base + n - 1]!) at = n - 1;
      else return;
      if (at === n) this.count[i] = n + 1;
      this.item[base + at] = j;
    }
    this.score[base + at] = s;
    this.bubble(base, at, this.count[i]!);
  }

  /** Restores best-first order after one entry changed. */
  private bubble(base: number, at: number, n: number): void {
    for (; at > 0 && this.score[base + at]! > this.score[base + at - 1]!; at--) this.swap(base + at, base + at - 1);
    for (; at + 1 < n && this.score[base + at]! < this.score[base + at + 1]!; at++) this.swap(base + at, base + at + 1);
  }

  private swap(a: number, b: number): void {
    const i = this.item[a]!;
    const s = this.score[a]!;
    this.item[a] = this.item[b]!;
    this.score[a] = this.score[b]!;
    this.item[b] = i;
    this.score[b] = s;
  }
}
