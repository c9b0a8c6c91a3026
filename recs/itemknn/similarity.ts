import type { InteractionMatrix } from './interactions.ts';

/**
 * A similarity is written as sim(i→j) = finalize(i, j, Σ_u L(i,u)·R(u,j)), where L is stored on
 * item-major entries and R on user-major entries (their `edge` arrays). One co-occurrence kernel
 * then serves every choice:
 * - asymmetric cosine (Aiolli 2013): L = R = w, finalize = acc / (|i|²^α · |j|²^(1-α) + shrink);
 *   α = 0.5 is cosine with shrinkage.
 * - RP3beta (Paudel et al. 2017): L, R = row-normalised transition probabilities raised to α,
 *   finalize = acc / popularity(j)^β, which discounts items that are similar to everything.
 */
export interface Similarity {
  readonly name: string;
  /** Whether Σ L(i,u)R(u,j) equals Σ L(j,u)R(u,i), which makes incremental patches exact. */
  readonly symmetric: boolean;
  itemEdge(m: InteractionMatrix, item: number, weight: number): number;
  userEdge(m: InteractionMatrix, user: number, weight: number): number;
  finalize(m: InteractionMatrix, i: number, j: number, acc: number): number;
}

export function asymmetricCosine(alpha = 0.5, shrink = 10): Similarity {
  return {
    name: alpha === 0.5 ? `cosine(shrink=${shrink})` : `asymcosine(alpha=${alpha},shrink=${shrink})`,
    symmetric: true,
    itemEdge: (_m, _i, w) => w,
    userEdge: (_m, _u, w) => w,
    finalize: (m, i, j, acc) => acc / (Math.pow(m.itemSq[i]!, alpha) * Math.pow(m.itemSq[j]!, 1 - alpha) + shrink),
  };
}

export function rp3beta(alpha = 1, beta = 0.5): Similarity {
  // popularity^β depends only on the item's audience size: memoise it for the training hot loop.
  const discount = new Float64Array(1 << 16).fill(-1);
  const popularityDiscount = (n: number): number => {
    if (n >= discount.length) return Math.pow(n, beta);
    if (discount[n]! < 0) discount[n] = Math.pow(n, beta);
    return discount[n]!;
  };
  return {
    name: `rp3beta(alpha=${alpha},beta=${beta})`,
    symmetric: false,
    itemEdge: (m, i, w) => Math.pow(w / m.itemSum[i]!, alpha),
    userEdge: (m, u, w) => Math.pow(w / m.userSum[u]!, alpha),
    finalize: (m, _i, j, acc) => acc / popularityDiscount(m.byItem.len[j]!),
  };
}

/** Recomputes the stored L and R values of the given rows after their weights or sums changed. */
export function refreshEdges(m: InteractionMatrix, sim: Similarity, users: Iterable<number>, items: Iterable<number>): void {
  for (const u of users) {
    const s = m.byUser.start[u]!;
    for (let e = s; e < s + m.byUser.len[u]!; e++) m.byUser.edge[e] = sim.userEdge(m, u, m.byUser.val[e]!);
  }
  for (const i of items) {
    const s = m.byItem.start[i]!;
    for (let e = s; e < s + m.byItem.len[i]!; e++) m.byItem.edge[e] = sim.itemEdge(m, i, m.byItem.val[e]!);
  }
}

export function refreshAllEdges(m: InteractionMatrix, sim: Similarity): void {
  refreshEdges(m, sim, range(m.nUsers), range(m.nItems));
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}
