import { buildCsr, transposeCsr } from '../csr/build.ts';
import type { GrowableCsr } from '../csr/growable-csr.ts';
import type { EventLog } from '../types.ts';
import { eventWeight, type EventWeighting } from '../weights.ts';

/**
 * The user × item matrix of summed, decayed event weights, held both user-major and item-major
 * with the row statistics the similarity functions need. `add` folds in new events in place.
 */
export class InteractionMatrix {
  userSum: Float64Array;
  itemSum: Float64Array;
  /** Sum of squared weights per item (its squared norm). */
  itemSq: Float64Array;

  private constructor(
    readonly byUser: GrowableCsr,
    readonly byItem: GrowableCsr,
    readonly weighting: EventWeighting,
    readonly reference: number,
  ) {
    this.userSum = rowSums(byUser, false);
    this.itemSum = rowSums(byItem, false);
    this.itemSq = rowSums(byItem, true);
  }

  static fromEvents(events: EventLog, nUsers: number, nItems: number, weighting: EventWeighting, reference: number): InteractionMatrix {
    const vals = new Float32Array(events.length);
    for (let r = 0; r < events.length; r++) vals[r] = eventWeight(weighting, events.kind[r]!, events.time[r]!, reference);
    return InteractionMatrix.fromTriples(nUsers, nItems, events.user, events.item, vals, weighting, reference);
  }

  /** From (user, item, weight) triples; `weighting` and `reference` still govern later `add`s. */
  static fromTriples(
    nUsers: number,
    nItems: number,
    users: Int32Array,
    items: Int32Array,
    weights: Float32Array,
    weighting: EventWeighting,
    reference: number,
  ): InteractionMatrix {
    const byUser = buildCsr(nUsers, nItems, users, items, weights);
    return new InteractionMatrix(byUser, transposeCsr(byUser, nItems), weighting, reference);
  }

  get nUsers(): number {
    return this.byUser.nRows;
  }

  get nItems(): number {
    return this.byItem.nRows;
  }

  /** Adds events; returns the distinct users and items whose rows changed. */
  add(events: EventLog): { users: number[]; items: number[] } {
    const users = new Set<number>();
    const items = new Set<number>();
    for (let r = 0; r < events.length; r++) {
      const u = events.user[r]!;
      const i = events.item[r]!;
      this.ensureSize(u + 1, i + 1);
      const w = eventWeight(this.weighting, events.kind[r]!, events.time[r]!, this.reference);
      const e = this.byUser.addSorted(u, i, w);
      this.byItem.addSorted(i, u, w);
      const after = this.byUser.val[e]!;
      const before = after - w;
      this.userSum[u]! += w;
      this.itemSum[i]! += w;
      this.itemSq[i]! += after * after - before * before;
      users.add(u);
      items.add(i);
    }
    return { users: [...users], items: [...items] };
  }

  private ensureSize(nUsers: number, nItems: number): void {
    if (nUsers > this.byUser.nRows) {
      this.byUser.ensureRows(nUsers);
      this.userSum = extend(this.userSum, nUsers);
    }
    if (nItems > this.byItem.nRows) {
      this.byItem.ensureRows(nItems);
      this.itemSum = extend(this.itemSum, nItems);
      this.itemSq = extend(this.itemSq, nItems);
    }
  }
}

function rowSums(m: GrowableCsr, squared: boolean): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) {
    let s = 0;
    const from = m.start[r]!;
    for (let e = from; e < from + m.len[r]!; e++) s += squared ? m.val[e]! * m.val[e]! : m.val[e]!;
    out[r] = s;
  }
  return out;
}

function extend(a: Float64Array, size: number): Float64Array {
  if (size <= a.length) return a;
  const next = new Float64Array(Math.max(size, Math.ceil(a.length * 1.5)));
  next.set(a);
  return next;
}
