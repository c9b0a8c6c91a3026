import { EventKind } from './types.ts';

/**
 * How much one event says about interest. A purchase outweighs a cart add, which outweighs a view;
 * the ratios were tuned on the validation split together with the similarity parameters.
 */
export interface EventWeighting {
  view: number;
  cart: number;
  purchase: number;
  /** Days after which an event counts half. Infinity switches time decay off. */
  halfLifeDays: number;
}

export const defaultWeighting: EventWeighting = { view: 1, cart: 3, purchase: 5, halfLifeDays: 60 };

export function kindWeight(w: EventWeighting, kind: number): number {
  if (kind === EventKind.purchase) return w.purchase;
  if (kind === EventKind.cart) return w.cart;
  return w.view;
}

/**
 * Exponential decay relative to a fixed reference instant. Events after the reference (arriving
 * through incremental updates) weigh more than 1, which keeps old and new weights on one scale
 * without rewriting stored values.
 */
export function decay(w: EventWeighting, time: number, reference: number): number {
  if (!Number.isFinite(w.halfLifeDays)) return 1;
  return Math.pow(2, (time - reference) / (w.halfLifeDays * 86_400));
}

export function eventWeight(w: EventWeighting, kind: number, time: number, reference: number): number {
  return kindWeight(w, kind) * decay(w, time, reference);
}
