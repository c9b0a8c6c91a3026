import type { ScoredItem } from './types.ts';

/**
 * Bounded min-heap that keeps the k best (item, score) pairs seen. Ties go to the lower item
 * index so results are deterministic.
 */
export class TopK {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.items = new Int32Array(Math.max(1, k));
    this.scores = new Float64Array(Math.max(1, k));
  }

  offer(item: number, score: number): void {
    if (this.k <= 0) return;
    if (this.size < this.k) {
      this.items[this.size] = item;
      this.scores[this.size] = score;
      this.siftUp(this.size++);
    } else if (this.better(item, score, 0)) {
      this.items[0] = item;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  /** Kept pairs, best first. */
  sorted(): ScoredItem[] {
    const out: ScoredItem[] = [];
    for (let i = 0; i < this.size; i++) out.push({ item: this.items[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.item - b.item);
  }

  /** True when (item, score) ranks above the heap entry at `at`. */
  private better(item: number, score: number, at: number): boolean {
    const s = this.scores[at]!;
    return score > s || (score === s && item < this.items[at]!);
  }

  private swap(a: number, b: number): void {
    const i = this.items[a]!;
    const s = this.scores[a]!;
    this.items[a] = this.items[b]!;
    this.scores[a] = this.scores[b]!;
    this.items[b] = i;
    this.scores[b] = s;
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.better(this.items[parent]!, this.scores[parent]!, at)) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let worst = at;
      if (l < this.size && this.better(this.items[worst]!, this.scores[worst]!, l)) worst = l;
      if (r < this.size && this.better(this.items[worst]!, this.scores[worst]!, r)) worst = r;
      if (worst === at) return;
      this.swap(at, worst);
      at = worst;
    }
  }
}
