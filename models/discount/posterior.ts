// Conversion (given the customer engaged with the message) at each discount tier, per segment.
// Each tier has a Beta posterior; a bigger discount should never convert worse, so estimates are
// projected onto non-decreasing sequences by weighted isotonic regression with the posteriors' counts
// as weights. With those weights a pooled block's mean is (Σα)/(Σα+Σβ), so one more conversion at a
// tier can only raise every block containing it: the tier's mean never drops.

import { addObservation, countsAt } from '../core/decay.ts';
import { isotonicIncreasing } from '../core/isotonic.ts';
import type { Rng } from '../core/rng.ts';
import type { DiscountSegmentState } from '../state.ts';
import { DISCOUNT_TIERS, type BetaPrior, type DiscountTier } from '../types.ts';
import { priorParams } from '../channel/posterior.ts';

export const TIER_COUNT = DISCOUNT_TIERS.length;

export type TierPosteriors = { alpha: Float64Array; beta: Float64Array };

export function tierIndex(tier: DiscountTier): number {
  return DISCOUNT_TIERS.indexOf(tier);
}

export function tierPosteriors(
  state: DiscountSegmentState,
  prior: BetaPrior,
  nowMs: number,
  halfLifeDays: number,
): TierPosteriors {
  const p = priorParams(prior);
  const alpha = new Float64Array(TIER_COUNT);
  const beta = new Float64Array(TIER_COUNT);
  for (let i = 0; i < TIER_COUNT; i++) {
    const c = countsAt(state.tiers[i], nowMs, halfLifeDays);
    alpha[i] = p.alpha + c.successes;
    beta[i] = p.beta + c.failures;
  }
  return { alpha, beta };
}

/** Monotone posterior means: the isotonic fit of the tier means weighted by their pseudo-counts. */
export function tierPosteriorMeans({ alpha, beta }: TierPosteriors): number[] {
  const means = new Float64Array(TIER_COUNT);
  const weights = new Float64Array(TIER_COUNT);
  for (let i = 0; i < TIER_COUNT; i++) {
    weights[i] = alpha[i]! + beta[i]!;
    means[i] = alpha[i]! / weights[i]!;
  }
  isotonicIncreasing(means, weights, means);
  return Array.from(means);
}

/**
 * Fills `out` with `rows` Thompson draws of the six tier rates, row-major, each row made monotone.
 * Sampling independently and then projecting keeps each draw as cheap as six Beta variates.
 */
export function sampleMonotoneRates(post: TierPosteriors, rng: Rng, rows: number, out: Float64Array): void {
  const weights = scratchWeights(post);
  const row = new Float64Array(TIER_COUNT);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < TIER_COUNT; i++) row[i] = rng.beta(post.alpha[i]!, post.beta[i]!);
    isotonicIncreasing(row, weights, row);
    out.set(row, r * TIER_COUNT);
  }
}

function scratchWeights({ alpha, beta }: TierPosteriors): Float64Array {
  const w = new Float64Array(TIER_COUNT);
  for (let i = 0; i < TIER_COUNT; i++) w[i] = alpha[i]! + beta[i]!;
  return w;
}

/** Records whether an engaged customer converted at `tier`. */
export function addTierObservation(
  state: DiscountSegmentState,
  tier: DiscountTier,
  converted: boolean,
  atMs: number,
  halfLifeDays: number,
): DiscountSegmentState {
  const i = tierIndex(tier);
  if (i < 0) return state;
  const tiers = state.tiers.slice();
  tiers[i] = addObservation(state.tiers[i], converted, atMs, halfLifeDays);
  return { ...state, tiers };
}
