import type { IdIndex } from './id-index.ts';
import { applyBusinessRules, type BusinessRules } from './serving/business-rules.ts';
import { EventKind, type CatalogView, type ItemEvent, type RecommenderEngine } from './types.ts';

/** One past event of the customer, as stored in the database. */
export interface CustomerEvent {
  productId: string;
  /** Unix seconds, UTC. */
  at: number;
  kind: keyof typeof EventKind;
}

export interface RecommendForInput {
  /** A trained engine (from `engines` / `trainEngines`); its name is reported as the source. */
  engine: RecommenderEngine;
  /** A trained engine that fills the list when `engine` has too few results (usually "trending"). */
  fallback?: RecommenderEngine;
  /** The product id ↔ index map the engines were trained with. */
  products: IdIndex<string>;
  /** Catalogue view indexed like `products` (see buildCatalogView). */
  catalog: CatalogView;
  /** The customer's past events, oldest first; [] for a new visitor. Unknown product ids are ignored. */
  customerHistory: readonly CustomerEvent[];
  /** Product ids viewed in the current session, oldest first; [] when none. */
  sessionProductIds: readonly string[];
  /** Serving rules; stock and "not bought in 30 days" are on by default. */
  rules?: BusinessRules;
  /** Number of products wanted. */
  k: number;
  /** Serving instant, Unix seconds. */
  now: number;
}

export interface Recommendation {
  productId: string;
  /** Engine score after rules and diversity re-ranking; comparable within one list only. */
  score: number;
  /** Name of the engine that proposed it (the primary or the fallback). */
  source: string;
}

/** How many raw candidates to ask for per wanted item, so filtering still leaves enough. */
const CANDIDATE_FACTOR = 4;

/**
 * The recommender entry point for activities: maps ids to indices, asks the engine (and the
 * fallback for what is missing), applies business rules and diversity, and maps back. Pure and
 * synchronous; the caller loads history, session and catalogue and resolves price/stock again
 * at send time.
 */
export function recommendFor(input: RecommendForInput): Recommendation[] {
  const { products, catalog, k, now } = input;
  const history: ItemEvent[] = input.customerHistory
    .map((e) => ({ item: products.indexOf(e.productId), time: e.at, kind: EventKind[e.kind] }))
    .filter((e) => e.item >= 0);
  const session = input.sessionProductIds.map((id) => products.indexOf(id)).filter((i) => i >= 0);
  const rules: BusinessRules = { notBoughtWithinDays: 30, ...input.rules };
  const request = { history, session, k: k * CANDIDATE_FACTOR + history.length + session.length, now };
  const context = { catalog, history, now };
  const source = new Map<number, string>();
  let picked = applyBusinessRules(tagged(input.engine, request, source), rules, context, k);
  if (picked.length < k && input.fallback) {
    const have = new Set(picked.map((p) => p.item));
    const extra = tagged(input.fallback, request, source).filter((c) => !have.has(c.item));
    const floor = Math.min(0, ...picked.map((p) => p.score));
    const rest = applyBusinessRules(extra, { ...rules, excludeItems: [...(rules.excludeItems ?? []), ...have] }, context, k - picked.length);
    // Fallback items rank below every primary result whatever their own scale.
    picked = [...picked, ...rest.map((r, n) => ({ item: r.item, score: floor - 1 - n }))];
  }
  return picked.map((p) => ({ productId: products.idAt(p.item), score: p.score, source: source.get(p.item) ?? input.engine.name }));
}

function tagged(engine: RecommenderEngine, request: Parameters<RecommenderEngine['recommend']>[0], source: Map<number, string>) {
  const list = engine.recommend(request);
  for (const c of list) if (!source.has(c.item)) source.set(c.item, engine.name);
  return list;
}
