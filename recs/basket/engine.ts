import { filterEvents } from '../event-log.ts';
import { ItemKnnEngine } from '../itemknn/engine.ts';
import type { InteractionMatrix } from '../itemknn/interactions.ts';
import { EventKind, type EventLog, type RecommendRequest, type RecommenderEngine, type ScoredItem, type TrainingData } from '../types.ts';
import { associationRules, type AssociationOptions } from './association.ts';

/**
 * "Bought together": association rules over purchase baskets (one basket per order, i.e. per
 * event `session` of purchase events). Seeds are what the customer just bought or has in the
 * session/cart; results are complementary items for cross-sell.
 */
export class BoughtTogetherEngine implements RecommenderEngine {
  private readonly rules: ReturnType<typeof associationRules>;
  private readonly knn: ItemKnnEngine;
  private readonly basketIndex = new Map<number, number>();

  constructor(
    readonly name: string,
    options: Partial<AssociationOptions> = {},
  ) {
    this.rules = associationRules({ minSupport: 2, rankBy: 'confidence', minLift: 0, ...options });
    this.knn = new ItemKnnEngine(name, {
      similarity: this.rules,
      neighbors: 50,
      // Every purchase counts once: a basket is a set, and rules have no time decay.
      profile: { weighting: { view: 0, cart: 1, purchase: 1, halfLifeDays: 30 }, sessionWeight: 1, sessionDecay: 1 },
    });
  }

  train(data: TrainingData): void {
    this.basketIndex.clear();
    const baskets = this.asBaskets(data.events);
    this.knn.train({ ...data, events: baskets, nUsers: this.basketIndex.size });
  }

  update(events: EventLog): void {
    this.knn.update(this.asBaskets(events));
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    return this.knn.recommend(request);
  }

  /** Consequents of one item, best first. */
  rulesFor(item: number): ScoredItem[] {
    return this.knn.similarTo(item);
  }

  /** Support, confidence and lift of i → j from the current counts. */
  describe(i: number, j: number): ReturnType<typeof this.rules.rule> {
    const m = this.knn.interactions();
    const both = countBoth(m, i, j);
    return this.rules.rule(m.nUsers, m.byItem.len[i]!, m.byItem.len[j]!, both);
  }

  /** Purchase events with `user` rewritten to a dense basket index. */
  private asBaskets(events: EventLog): EventLog {
    const purchases = filterEvents(events, (r) => events.kind[r] === EventKind.purchase);
    for (let r = 0; r < purchases.length; r++) {
      const id = purchases.session[r]!;
      let basket = this.basketIndex.get(id);
      if (basket === undefined) this.basketIndex.set(id, (basket = this.basketIndex.size));
      purchases.user[r] = basket;
    }
    return purchases;
  }
}

function countBoth(m: InteractionMatrix, i: number, j: number): number {
  let both = 0;
  const s = m.byItem.start[i]!;
  for (let e = s; e < s + m.byItem.len[i]!; e++) if (m.byUser.indexOf(m.byItem.col[e]!, j) >= 0) both++;
  return both;
}
