/**
 * Dense score array plus the list of touched slots: adding is O(1) and clearing costs only what
 * was touched, so one accumulator serves millions of sparse dot products without allocation.
 */
export class ScoreAccumulator {
  readonly scores: Float64Array;
  readonly touched: Int32Array;
  count = 0;

  constructor(size: number) {
    this.scores = new Float64Array(size);
    this.touched = new Int32Array(size);
  }

  add(slot: number, amount: number): void {
    if (this.scores[slot] === 0) {
      if (amount === 0) return;
      this.touched[this.count++] = slot;
    }
    this.scores[slot] = this.scores[slot]! + amount;
  }

  clear(): void {
    for (let t = 0; t < this.count; t++) this.scores[this.touched[t]!] = 0;
    this.count = 0;
  }
}

/** Returns an accumulator at least `size` long, reusing `current` when it is big enough. */
export function accumulatorFor(current: ScoreAccumulator | undefined, size: number): ScoreAccumulator {
  return current && current.scores.length >= size ? current : new ScoreAccumulator(Math.ceil(size * 1.25) + 16);
}
