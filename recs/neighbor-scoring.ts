import { accumulatorFor, type ScoreAccumulator } from './accumulator.ts';
import { accumulateRow } from './itemknn/kernel.ts';
import type { InteractionMatrix } from './itemknn/interactions.ts';
import { refreshAllEdges, type Similarity } from './itemknn/similarity.ts';
import { NeighborTable } from './neighbors.ts';
import type { SeedItems } from './profile.ts';
import { TopK } from './topk.ts';
import type { ScoredItem } from './types.ts';

/** Derives the similarity's edge values, then computes every item's top-k neighbours. */
export function buildNeighborTable(m: InteractionMatrix, sim: Similarity, k: number, scratch?: ScoreAccumulator): NeighborTable {
  refreshAllEdges(m, sim);
  const table = new NeighborTable(m.nItems, k);
  const acc = accumulatorFor(scratch, m.nItems);
  for (let i = 0; i < m.nItems; i++) {
    accumulateRow(m, i, acc);
    table.setRowFrom(i, acc, (j, raw) => sim.finalize(m, i, j, raw));
    acc.clear();
  }
  return table;
}

/** Σ_seeds weight · sim(seed → j), best k; `selfWeight` > 0 also scores the seeds themselves. */
export function scoreFromNeighbors(table: NeighborTable, seeds: SeedItems, k: number, acc: ScoreAccumulator, selfWeight = 0): ScoredItem[] {
  const { k: width, count, item, score } = table;
  seeds.items.forEach((i, s) => {
    const w = seeds.weights[s]!;
    if (i >= table.nItems) return;
    if (selfWeight > 0) acc.add(i, w * selfWeight * (count[i]! > 0 ? score[i * width]! : 1));
    for (let r = i * width; r < i * width + count[i]!; r++) acc.add(item[r]!, w * score[r]!);
  });
  const top = new TopK(k);
  for (let t = 0; t < acc.count; t++) top.offer(acc.touched[t]!, acc.scores[acc.touched[t]!]!);
  acc.clear();
  return top.sorted();
}

/** A row of the table as scored items, best first. */
export function neighborsOf(table: NeighborTable, item: number): ScoredItem[] {
  const out: ScoredItem[] = [];
  if (item < 0 || item >= table.nItems) return out;
  for (let r = item * table.k; r < item * table.k + table.count[item]!; r++) out.push({ item: table.item[r]!, score: table.score[r]! });
  return out;
}
