import { GrowableCsr } from '../csr/growable-csr.ts';
import { InteractionMatrix } from '../itemknn/interactions.ts';
import { defaultProfileOptions, seedItems, type ProfileOptions } from '../profile.ts';
import { seededRandom } from '../random.ts';
import { TopK } from '../topk.ts';
import type { RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from '../types.ts';
import { CgScratch, gram, solveRow } from './solve.ts';

export interface AlsOptions {
  factors: number;
  iterations: number;
  /** Confidence slope: c = 1 + alpha · weight. */
  alpha: number;
  lambda: number;
  cgSteps: number;
  seed: number;
  profile: ProfileOptions;
}

/**
 * Implicit-feedback matrix factorisation (ALS with conjugate gradient). Customers are folded in
 * at request time from their events, so the model serves people who arrived after training;
 * item factors change only on `train`.
 */
export class AlsEngine implements RecommenderEngine {
  readonly options: AlsOptions;
  private itemFactors: Float32Array = new Float32Array(0);
  private yty: Float64Array = new Float64Array(0);
  private nItems = 0;

  constructor(
    readonly name: string,
    options: Partial<AlsOptions> = {},
  ) {
    this.options = { factors: 64, iterations: 15, alpha: 10, lambda: 0.1, cgSteps: 3, seed: 7, profile: defaultProfileOptions, ...options };
  }

  train(data: TrainingData): void {
    const { factors: f, iterations, alpha, lambda, cgSteps, seed } = this.options;
    const m = InteractionMatrix.fromEvents(data.events, data.nUsers, data.nItems, this.options.profile.weighting, data.now);
    const random = seededRandom(seed);
    const x = Float32Array.from({ length: m.nUsers * f }, () => random() * 0.01);
    const y = Float32Array.from({ length: m.nItems * f }, () => random() * 0.01);
    const scratch = new CgScratch(f);
    for (let it = 0; it < iterations; it++) {
      const yty = gram(y, m.nItems, f);
      for (let u = 0; u < m.nUsers; u++) solveRow(m.byUser, u, y, yty, x, u * f, alpha, lambda, cgSteps, scratch);
      const xtx = gram(x, m.nUsers, f);
      for (let i = 0; i < m.nItems; i++) solveRow(m.byItem, i, x, xtx, y, i * f, alpha, lambda, cgSteps, scratch);
    }
    this.itemFactors = y;
    this.yty = gram(y, m.nItems, f);
    this.nItems = m.nItems;
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const f = this.options.factors;
    const seeds = seedItems(request, this.nItems, this.options.profile);
    if (seeds.items.length === 0) return [];
    const user = this.foldIn(seeds.items, seeds.weights);
    const top = new TopK(request.k);
    const y = this.itemFactors;
    for (let i = 0; i < this.nItems; i++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += y[i * f + a]! * user[a]!;
      top.offer(i, s);
    }
    return top.sorted();
  }

  /** Solves the user's factors from their seed items, as one more ALS user step. */
  private foldIn(items: number[], weights: number[]): Float32Array {
    const f = this.options.factors;
    const row = new GrowableCsr(1, items.length);
    row.reserveRow(0, items.length);
    items.forEach((i, n) => row.append(0, i, weights[n]!));
    const out = new Float32Array(f);
    const { alpha, lambda } = this.options;
    solveRow(row, 0, this.itemFactors, this.yty, out, 0, alpha, lambda, f, new CgScratch(f));
    return out;
  }
}
