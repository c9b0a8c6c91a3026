// The shop's limits on discounting, applied before any sampling: a tier the shop forbids is never
// explored, whatever the posterior thinks of it.

import type { DiscountGuardrails } from '../state.ts';
import { DISCOUNT_TIERS, type DiscountTier } from '../types.ts';
import { TIER_COUNT } from './posterior.ts';

/** Tiers at or below the shop's maximum that leave at least the margin floor; no discount is always allowed. */
export function allowedTierMask(guardrails: DiscountGuardrails, marginRate: number): boolean[] {
  return DISCOUNT_TIERS.map(
    (tier) => tier === 0 || (tier <= guardrails.maxTier && marginRate - tier / 100 >= guardrails.marginFloor - 1e-12),
  );
}

/** Expected margin of one engaged customer at a tier: P(convert | d) × (margin − d) × basket. */
export function expectedMarginMinor(rate: number, tier: DiscountTier, marginRate: number, basketMinor: number): number {
  return rate * (marginRate - tier / 100) * basketMinor;
}

/**
 * "Would buy anyway": true when, for every allowed discount, the posterior gives less than
 * 1 − confidence probability that it earns more margin than no discount. Estimated over the same
 * Thompson draws the decision uses (`samples`, rows of TIER_COUNT rates).
 */
export function wouldBuyAnyway(
  samples: Float64Array,
  rows: number,
  allowed: readonly boolean[],
  marginRate: number,
  confidence: number,
): boolean {
  for (let i = 1; i < TIER_COUNT; i++) {
    if (!allowed[i]) continue;
    const keep = marginRate - DISCOUNT_TIERS[i]! / 100;
    let better = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * TIER_COUNT;
      if (samples[o + i]! * keep > samples[o]! * marginRate) better++;
    }
    if (better / rows >= 1 - confidence) return false;
  }
  return true;
}
