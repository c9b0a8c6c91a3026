import type { CatalogView, EventLog, RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from '../types.ts';
import { seedItems, defaultProfileOptions } from '../profile.ts';
import { eventWeight, type EventWeighting } from '../weights.ts';
import { rankByCategory, type CategoryRanking } from './ranking.ts';

/**
 * Best sellers and trending items: each item's summed event weight with time decay (a short
 * half-life gives "trending", an infinite one all-time "popular"). With a catalogue, requests
 * that show interest in categories get those categories' best sellers first: starter packs
 * shaped by first browsing, and the fallback when the other engines have nothing.
 */
export class PopularityEngine implements RecommenderEngine {
  private score: Float64Array = new Float64Array(0);
  private reference = 0;
  private catalog: CatalogView | undefined;
  private ranking: CategoryRanking = { global: new Int32Array(0), byCategory: [] };

  constructor(
    readonly name: string,
    readonly weighting: EventWeighting = { view: 1, cart: 3, purchase: 10, halfLifeDays: 7 },
    /** Items kept per category list. */
    readonly perCategory = 200,
  ) {}

  train(data: TrainingData): void {
    this.reference = data.now;
    this.catalog = data.catalog;
    this.score = new Float64Array(data.nItems);
    this.add(data.events);
  }

  update(events: EventLog): void {
    this.add(events);
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const interest = this.categoryInterest(request);
    if (interest.size === 0) return this.fromList(this.ranking.global, request.k, 1);
    const out = new Map<number, number>();
    const best = this.score[this.ranking.global[0] ?? 0] || 1;
    for (const [category, share] of interest) {
      for (const s of this.fromList(this.ranking.byCategory[category] ?? new Int32Array(0), request.k, share / best)) out.set(s.item, s.score);
    }
    for (const s of this.fromList(this.ranking.global, request.k, 0.01 / best)) if (!out.has(s.item)) out.set(s.item, s.score);
    return [...out.entries()].map(([item, score]) => ({ item, score })).sort((a, b) => b.score - a.score || a.item - b.item).slice(0, request.k);
  }

  private add(events: EventLog): void {
    for (let r = 0; r < events.length; r++) {
      const i = events.item[r]!;
      if (i >= this.score.length) this.score = grow(this.score, i + 1);
      this.score[i]! += eventWeight(this.weighting, events.kind[r]!, events.time[r]!, this.reference);
    }
    this.ranking = rankByCategory(this.score, this.catalog?.category, this.perCategory);
  }

  /** Share of the request's seed weight per category. */
  private categoryInterest(request: RecommendRequest): Map<number, number> {
    const interest = new Map<number, number>();
    const category = this.catalog?.category;
    if (!category) return interest;
    const seeds = seedItems(request, category.length, defaultProfileOptions);
    const total = seeds.weights.reduce((a, b) => a + b, 0);
    seeds.items.forEach((item, s) => {
      const c = category[item]!;
      if (c >= 0) interest.set(c, (interest.get(c) ?? 0) + seeds.weights[s]! / total);
    });
    return interest;
  }

  private fromList(list: Int32Array, k: number, scale: number): ScoredItem[] {
    const out: ScoredItem[] = [];
    for (let r = 0; r < Math.min(k, list.length); r++) out.push({ item: list[r]!, score: this.score[list[r]!]! * scale });
    return out;
  }
}

function grow(a: Float64Array, size: number): Float64Array {
  const next = new Float64Array(Math.max(size, Math.ceil(a.length * 1.5)));
  next.set(a);
  return next;
}
