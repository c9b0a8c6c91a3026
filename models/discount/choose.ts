// Thompson sampling of the discount tier on expected margin, within the shop's guardrails. decideAction
// samples tiers jointly with channel and content; this is the tier choice alone, for a journey step
// whose channel and content are already fixed (e.g. the second cart-abandon touch).

import { DEFAULT_PROPENSITY_DRAWS, propensityFromWins } from '../core/propensity.ts';
import { Rng } from '../core/rng.ts';
import type { DiscountSegmentState, ShopModelState } from '../state.ts';
import { DISCOUNT_TIERS, type DiscountTier } from '../types.ts';
import { allowedTierMask, expectedMarginMinor, wouldBuyAnyway } from './guardrails.ts';
import { sampleMonotoneRates, TIER_COUNT, tierPosteriorMeans, tierPosteriors, type TierPosteriors } from './posterior.ts';

export type TierChoiceInput = {
  segment: DiscountSegmentState;
  shop: ShopModelState;
  /** Gross margin as a share of the basket, e.g. 0.4. */
  marginRate: number;
  basketValueMinor: number;
  now: string;
  seed: string | number;
  draws?: number;
};

export type TierAlternative = {
  tier: DiscountTier;
  allowed: boolean;
  /** Monotone posterior mean of P(convert | engaged, tier). */
  conversionRate: number;
  expectedMarginMinor: number;
};

export type TierChoice = {
  tier: DiscountTier;
  propensity: number;
  wouldBuyAnyway: boolean;
  alternatives: TierAlternative[];
  why: string;
};

export function chooseTier(input: TierChoiceInput): TierChoice {
  const { shop, marginRate, basketValueMinor } = input;
  const draws = input.draws ?? DEFAULT_PROPENSITY_DRAWS;
  const post = tierPosteriors(input.segment, shop.discount.prior, Date.parse(input.now), shop.halfLifeDays);
  const rows = draws + 1;
  const samples = new Float64Array(rows * TIER_COUNT);
  sampleMonotoneRates(post, new Rng(input.seed), rows, samples);
  const allowed = allowedTierMask(shop.discount.guardrails, marginRate);
  const anyway = wouldBuyAnyway(samples, rows, allowed, marginRate, shop.discount.guardrails.wouldBuyAnywayConfidence);
  const open = anyway ? allowed.map((_, i) => i === 0) : allowed;

  const chosen = bestTierInRow(samples, 0, open, marginRate);
  let wins = 0;
  for (let r = 1; r < rows; r++) if (bestTierInRow(samples, r, open, marginRate) === chosen) wins++;
  const tier = DISCOUNT_TIERS[chosen]!;
  const why = anyway
    ? 'no discount: the posterior says this segment converts without one (every discount likely loses margin)'
    : `tier ${tier} % drawn by Thompson sampling on expected margin among ${open.filter(Boolean).length} allowed tiers`;
  return {
    tier,
    propensity: propensityFromWins(wins, draws),
    wouldBuyAnyway: anyway,
    alternatives: tierAlternatives(post, allowed, marginRate, basketValueMinor),
    why,
  };
}

/** Index of the allowed tier with the highest sampled margin in one row; ties go to the smaller discount. */
export function bestTierInRow(samples: Float64Array, row: number, open: readonly boolean[], marginRate: number): number {
  const o = row * TIER_COUNT;
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < TIER_COUNT; i++) {
    if (!open[i]) continue;
    const v = samples[o + i]! * (marginRate - DISCOUNT_TIERS[i]! / 100);
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export function tierAlternatives(
  post: TierPosteriors,
  allowed: readonly boolean[],
  marginRate: number,
  basketValueMinor: number,
): TierAlternative[] {
  const means = tierPosteriorMeans(post);
  return DISCOUNT_TIERS.map((tier, i) => ({
    tier,
    allowed: allowed[i] ?? false,
    conversionRate: means[i]!,
    expectedMarginMinor: expectedMarginMinor(means[i]!, tier, marginRate, basketValueMinor),
  }));
}
