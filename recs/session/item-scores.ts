import type { ScoreAccumulator } from '../accumulator.ts';
import type { ScoredItem } from '../types.ts';
import type { SessionKnnOptions } from './engine.ts';
import type { SessionStore } from './store.ts';

/**
 * acc[j] += sim(neighbour) · exp(-|q - p*| / λ) · idf(j)^γ for every click j at position q of
 * each neighbour, where p* is where the neighbour holds the most recent click we share with it.
 */
export function scoreNeighbourItems(
  store: SessionStore,
  neighbours: readonly ScoredItem[],
  seeds: ReadonlyMap<number, { position: number }>,
  options: SessionKnnOptions,
  acc: ScoreAccumulator,
): void {
  const { clicks, postings } = store;
  const logSessions = Math.log(store.nSessions + 1);
  for (const { item: s, score: sim } of neighbours) {
    const from = clicks.start[s]!;
    const to = from + clicks.len[s]!;
    let anchor = from;
    let anchorRecency = -1;
    for (let e = from; e < to; e++) {
      const seed = seeds.get(clicks.col[e]!);
      if (seed && seed.position >= anchorRecency) {
        anchor = e;
        anchorRecency = seed.position;
      }
    }
    for (let e = from; e < to; e++) {
      const j = clicks.col[e]!;
      const idf = options.idfWeight === 0 ? 1 : Math.pow(logSessions - Math.log(postings.len[j]! + 1) + 1, options.idfWeight);
      acc.add(j, sim * Math.exp(-Math.abs(e - anchor) / options.lambdaItemPosition) * idf);
    }
  }
}
