// Shared vocabulary of the recommender. Items, users and sessions are dense integer indices
// (0..n-1) so every engine can keep its state in typed arrays; `IdIndex` maps the shop's own
// string ids to these indices at the edge (see facade.ts).

/** Implicit-feedback event kinds, ordered by how much intent they show. */
export const EventKind = { view: 0, cart: 1, purchase: 2 } as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/**
 * Columnar log of events; row r is one event. `session` groups events that belong together:
 * the browsing session for views and cart adds, the order id for purchases (so one order is one
 * basket). Times are Unix seconds, UTC.
 */
export interface EventLog {
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly session: Int32Array;
  readonly time: Float64Array;
  readonly kind: Uint8Array;
}

/** Per-item catalogue facts the engines and serving rules need, indexed by item. */
export interface CatalogView {
  readonly size: number;
  /** Dense category index per item, -1 when unknown. */
  readonly category: Int32Array;
  /** Price in integer minor units, -1 when unknown. */
  readonly priceMinor: Float64Array;
  /** 1 when the item can be sold now. */
  readonly inStock: Uint8Array;
  /** 1 for consumables a customer buys again (coffee, nappies): exempt from "not bought recently". */
  readonly repeatPurchase: Uint8Array;
  /** Free attribute and text tokens per item ("brand:acme", "colour:red", title words). */
  readonly tokens?: readonly (readonly string[])[];
}

export interface TrainingData {
  readonly events: EventLog;
  readonly nUsers: number;
  readonly nItems: number;
  /** The training instant (Unix seconds): time decay is measured back from here. */
  readonly now: number;
  readonly catalog?: CatalogView;
}

/** One past event of the customer being served. */
export interface ItemEvent {
  readonly item: number;
  readonly time: number;
  readonly kind: EventKind;
}

export interface RecommendRequest {
  /** The customer's known events, oldest first; empty for a new or anonymous visitor. */
  readonly history: readonly ItemEvent[];
  /** Items viewed in the current browsing session, oldest first (may repeat). */
  readonly session: readonly number[];
  /** How many candidates to return (before business rules). */
  readonly k: number;
  /** Serving instant, Unix seconds. */
  readonly now: number;
}

export interface ScoredItem {
  readonly item: number;
  readonly score: number;
}

/**
 * The one interface every engine implements, so experiments can split traffic by `name`.
 * `train` replaces the model; `update` folds in new events without a retrain and its effect is
 * visible to the next `recommend` call.
 */
export interface RecommenderEngine {
  readonly name: string;
  train(data: TrainingData): void;
  update?(events: EventLog): void;
  recommend(request: RecommendRequest): ScoredItem[];
}
