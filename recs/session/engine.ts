import { accumulatorFor, type ScoreAccumulator } from '../accumulator.ts';
import { TopK } from '../topk.ts';
import type { EventLog, RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from '../types.ts';
import { SessionStore } from './store.ts';
import { scoreNeighbourItems } from './item-scores.ts';

/**
 * Session-based kNN in the VSTAN family (Ludewig et al. 2021, after Garg et al.'s STAN): the
 * current session's clicks weigh more the more recent they are, neighbour sessions are sampled
 * from the most recent sessions sharing an item and discounted by age, and items of a neighbour
 * count more the closer they sit to the click it shares with us. Needs no customer history, so
 * it serves anonymous and first-time visitors; `update` appends clicks, visible at once.
 */
export interface SessionKnnOptions {
  /** Neighbour sessions whose items are scored. */
  neighbors: number;
  /** Most recent sessions considered per item of the current session. */
  sample: number;
  /** Current-session position decay: click k of n weighs exp((k - n) / lambdaPosition). */
  lambdaPosition: number;
  /** Neighbour age decay in seconds: exp(-(now - lastTime) / lambdaRecency). */
  lambdaRecency: number;
  /** Item-in-neighbour distance decay: exp(-|q - shared| / lambdaItemPosition). */
  lambdaItemPosition: number;
  /** Exponent of the inverse-document-frequency factor on neighbour items (0 = off). */
  idfWeight: number;
}

export const defaultSessionKnnOptions: SessionKnnOptions = {
  neighbors: 100,
  sample: 1000,
  lambdaPosition: 2,
  lambdaRecency: 3 * 86_400,
  lambdaItemPosition: 2,
  idfWeight: 1,
};

export class SessionKnnEngine implements RecommenderEngine {
  readonly options: SessionKnnOptions;
  private store = new SessionStore();
  private sessionAcc: ScoreAccumulator | undefined;
  private itemAcc: ScoreAccumulator | undefined;

  constructor(
    readonly name: string,
    options: Partial<SessionKnnOptions> = {},
  ) {
    this.options = { ...defaultSessionKnnOptions, ...options };
  }

  train(data: TrainingData): void {
    this.store = SessionStore.fromEvents(data.events, data.nItems);
  }

  update(events: EventLog): void {
    this.store.addEvents(events);
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const current = request.session.length > 0 ? request.session : request.history.map((e) => e.item);
    const seeds = this.seedWeights(current);
    const neighbours = this.nearestSessions(seeds, request.now);
    this.itemAcc = accumulatorFor(this.itemAcc, this.store.postings.nRows);
    scoreNeighbourItems(this.store, neighbours, seeds, this.options, this.itemAcc);
    const top = new TopK(request.k);
    const acc = this.itemAcc;
    for (let t = 0; t < acc.count; t++) top.offer(acc.touched[t]!, acc.scores[acc.touched[t]!]!);
    acc.clear();
    return top.sorted();
  }

  /** Each distinct item of the current session with its recency weight and last position. */
  private seedWeights(current: readonly number[]): Map<number, { weight: number; position: number }> {
    const seeds = new Map<number, { weight: number; position: number }>();
    const n = current.length;
    current.forEach((item, k) => {
      if (item < 0 || item >= this.store.postings.nRows) return;
      seeds.set(item, { weight: Math.exp((k + 1 - n) / this.options.lambdaPosition), position: k });
    });
    return seeds;
  }

  /** Top neighbour sessions by recency-weighted overlap, cosine-normalised. */
  private nearestSessions(seeds: ReadonlyMap<number, { weight: number }>, now: number): ScoredItem[] {
    const { postings, distinct, lastTime } = this.store;
    this.sessionAcc = accumulatorFor(this.sessionAcc, this.store.nSessions);
    const acc = this.sessionAcc;
    for (const [item, { weight }] of seeds) {
      const end = postings.start[item]! + postings.len[item]!;
      for (let e = Math.max(postings.start[item]!, end - this.options.sample); e < end; e++) acc.add(postings.col[e]!, weight);
    }
    const top = new TopK(this.options.neighbors);
    const norm = Math.sqrt(seeds.size);
    for (let t = 0; t < acc.count; t++) {
      const s = acc.touched[t]!;
      const age = Math.max(0, now - lastTime[s]!);
      top.offer(s, (acc.scores[s]! / (norm * Math.sqrt(distinct[s]!))) * Math.exp(-age / this.options.lambdaRecency));
    }
    acc.clear();
    return top.sorted();
  }
}
