import { accumulatorFor, type ScoreAccumulator } from '../accumulator.ts';
import { NeighborTable } from '../neighbors.ts';
import { defaultProfileOptions, seedItems, type ProfileOptions } from '../profile.ts';
import { buildNeighborTable, neighborsOf, scoreFromNeighbors } from '../neighbor-scoring.ts';
import type { EventLog, RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from '../types.ts';
import { InteractionMatrix } from './interactions.ts';
import { accumulateColumn, accumulateRow } from './kernel.ts';
import { asymmetricCosine, refreshEdges, type Similarity } from './similarity.ts';

export interface ItemKnnOptions {
  similarity: Similarity;
  /** Neighbours kept per item. */
  neighbors: number;
  profile: ProfileOptions;
  /**
   * How strongly the seed items themselves are recommended, as a share of their best neighbour's
   * score. 0 leaves them out; next-click prediction wants them (shoppers revisit products).
   */
  selfWeight: number;
}

/** Item-item collaborative filtering over weighted, decayed implicit feedback. */
export class ItemKnnEngine implements RecommenderEngine {
  readonly options: ItemKnnOptions;
  private matrix: InteractionMatrix | undefined;
  private table = new NeighborTable(0, 1);
  private acc: ScoreAccumulator | undefined;

  constructor(
    readonly name: string,
    options: Partial<ItemKnnOptions> = {},
  ) {
    this.options = { similarity: asymmetricCosine(), neighbors: 100, profile: defaultProfileOptions, selfWeight: 0, ...options };
  }

  train(data: TrainingData): void {
    const m = InteractionMatrix.fromEvents(data.events, data.nUsers, data.nItems, this.options.profile.weighting, data.now);
    this.matrix = m;
    this.table = buildNeighborTable(m, this.options.similarity, this.options.neighbors, this.acc);
  }

  /**
   * Folds new events into the matrix and recomputes the neighbour rows of the items they touch;
   * every other row gets the touched item patched in (exact for symmetric similarities, up to
   * the top-k cut). Cost grows with the touched items' audiences, not with the catalogue.
   */
  update(events: EventLog): void {
    const m = this.requireMatrix();
    const touched = m.add(events);
    refreshEdges(m, this.options.similarity, touched.users, touched.items);
    this.table.ensureItems(m.nItems);
    for (const i of touched.items) {
      const acc = this.recomputeRow(i);
      if (!this.options.similarity.symmetric) {
        acc.clear();
        accumulateColumn(m, this.options.similarity, i, acc);
      }
      for (let t = 0; t < acc.count; t++) {
        const j = acc.touched[t]!;
        if (j !== i) this.table.upsert(j, i, this.options.similarity.finalize(m, j, i, acc.scores[j]!));
      }
      acc.clear();
    }
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const seeds = seedItems(request, this.table.nItems, this.options.profile);
    return scoreFromNeighbors(this.table, seeds, request.k, this.accumulator(this.table.nItems), this.options.selfWeight);
  }

  /** Neighbours of one item, best first (for "similar items" widgets and tests). */
  similarTo(item: number): ScoredItem[] {
    return neighborsOf(this.table, item);
  }

  /** The current interaction matrix (read-only use: diagnostics and rule statistics). */
  interactions(): InteractionMatrix {
    return this.requireMatrix();
  }

  /** Rebuilds row i; leaves its raw co-occurrences in the returned accumulator for the caller to clear. */
  private recomputeRow(i: number): ScoreAccumulator {
    const m = this.requireMatrix();
    const acc = this.accumulator(m.nItems);
    accumulateRow(m, i, acc);
    this.table.setRowFrom(i, acc, (j, raw) => this.options.similarity.finalize(m, i, j, raw));
    return acc;
  }

  private accumulator(size: number): ScoreAccumulator {
    this.acc = accumulatorFor(this.acc, size);
    return this.acc;
  }

  private requireMatrix(): InteractionMatrix {
    if (!this.matrix) throw new Error(`${this.name}: call train() before update()`);
    return this.matrix;
  }
}
