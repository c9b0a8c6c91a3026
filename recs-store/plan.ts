import { isEngineName, recommendFor, type BusinessRules, type CatalogView, type CustomerEvent, type EngineName, type IdIndex, type Recommendation, type RecommenderEngine } from '../recs/index.ts';
import type { JourneyName } from '../workflows/types.ts';

/** How one journey asks the recommender for products. */
export interface ServingPlan {
  /** Engines asked in turn, each filling what the ones before left open; trending last serves cold starts. */
  chain: EngineName[];
  /** What seeds the session: the trigger's products, the customer's latest browsing, or nothing (history only). */
  session: 'trigger' | 'browsing' | 'browsing+trigger' | 'none';
  /** The trigger's products lead the list (the viewed product, the cart) or are the only candidates (a campaign). */
  trigger: 'lead' | 'exclude' | 'only';
}

const plans: Record<JourneyName, ServingPlan> = {
  // The product looked at, then what sessions like this one went on to view.
  'browse-abandon': { chain: ['session-knn', 'itemknn-rp3beta', 'trending'], session: 'browsing+trigger', trigger: 'lead' },
  // Starter picks shaped by the first browsing; with none yet, what is selling now.
  onboarding: { chain: ['session-knn', 'trending'], session: 'browsing', trigger: 'exclude' },
  'cross-sell': { chain: ['bought-together', 'itemknn-rp3beta', 'trending'], session: 'trigger', trigger: 'exclude' },
  'cart-abandon': { chain: ['bought-together', 'itemknn-rp3beta', 'trending'], session: 'trigger', trigger: 'lead' },
  'win-back': { chain: ['itemknn-rp3beta', 'trending'], session: 'none', trigger: 'exclude' },
  // The campaign's items, the ones closest to the customer's taste first.
  clearance: { chain: ['itemknn-rp3beta', 'trending'], session: 'none', trigger: 'only' },
};

/**
 * The journey's plan; an experiment arm's `engine` replaces the chain with that engine and the
 * trending fallback, so arms compare engines rather than chains. Unknown engine names are ignored.
 */
export function planFor(journey: JourneyName, variantEngine?: string | null): ServingPlan {
  const plan = plans[journey];
  if (!variantEngine || !isEngineName(variantEngine)) return plan;
  return { ...plan, chain: variantEngine === 'trending' ? ['trending'] : [variantEngine, 'trending'] };
}

/** Names of every engine some default plan uses: what a shop's cache trains. */
export const planEngines: EngineName[] = [...new Set(Object.values(plans).flatMap((p) => p.chain))];

/** Serving rules every journey shares: in stock, not bought in the last 30 days, a mild push toward variety. */
export const servingRules: BusinessRules = { inStockOnly: true, notBoughtWithinDays: 30, categoryRepeatPenalty: 0.8 };

export interface ChainInput {
  chain: readonly EngineName[];
  engines: ReadonlyMap<EngineName, RecommenderEngine>;
  products: IdIndex<string>;
  catalog: CatalogView;
  customerHistory: readonly CustomerEvent[];
  sessionProductIds: readonly string[];
  exclude: readonly string[];
  k: number;
  /** Unix seconds. */
  now: number;
}

/** Asks each engine of the chain for what is still missing, never repeating a product. */
export function recommendChain(input: ChainInput): Recommendation[] {
  const picked: Recommendation[] = [];
  for (const name of input.chain) {
    const engine = input.engines.get(name);
    if (!engine || picked.length >= input.k) continue;
    const excludeItems = [...input.exclude, ...picked.map((p) => p.productId)].map((id) => input.products.indexOf(id)).filter((i) => i >= 0);
    picked.push(...recommendFor({
      engine, products: input.products, catalog: input.catalog, customerHistory: input.customerHistory,
      sessionProductIds: input.sessionProductIds, k: input.k - picked.length, now: input.now, rules: { ...servingRules, excludeItems },
    }));
  }
  return picked;
}
