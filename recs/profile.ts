import type { RecommendRequest } from './types.ts';
import { eventWeight, type EventWeighting } from './weights.ts';

/** How a request's history and session turn into weighted seed items. */
export interface ProfileOptions {
  weighting: EventWeighting;
  /** Weight of the most recent session view, relative to one (undecayed) past view. */
  sessionWeight: number;
  /** Each step back in the session multiplies the weight by this (recent views weigh more). */
  sessionDecay: number;
}

export const defaultProfileOptions: ProfileOptions = {
  weighting: { view: 1, cart: 3, purchase: 5, halfLifeDays: 60 },
  sessionWeight: 4,
  sessionDecay: 0.7,
};

export interface SeedItems {
  items: number[];
  weights: number[];
}

/** Distinct seed items with summed weights; items outside [0, nItems) are ignored. */
export function seedItems(request: RecommendRequest, nItems: number, options: ProfileOptions): SeedItems {
  const weightOf = new Map<number, number>();
  const add = (item: number, w: number): void => {
    if (item >= 0 && item < nItems && w > 0) weightOf.set(item, (weightOf.get(item) ?? 0) + w);
  };
  for (const e of request.history) add(e.item, eventWeight(options.weighting, e.kind, e.time, request.now));
  const n = request.session.length;
  request.session.forEach((item, pos) => add(item, options.sessionWeight * Math.pow(options.sessionDecay, n - 1 - pos)));
  return { items: [...weightOf.keys()], weights: [...weightOf.values()] };
}
