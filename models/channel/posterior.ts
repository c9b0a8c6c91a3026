// Beta-Bernoulli engagement per customer × channel. The prior is pooled from the shop's own rates for
// that channel and the customer's lifecycle stage, worth `strength` sends: a new customer behaves like
// the shop's average, and each click or ignored message moves them away from it.

import { countsAt, type DecayedCounts } from '../core/decay.ts';
import type { BetaParams } from '../core/beta.ts';
import type { ShopModelState } from '../state.ts';
import { PERSON_CHANNELS, type BetaPrior, type Channel, type PersonChannel, type Stage } from '../types.ts';

/** Used when a shop has no prior at all for a channel: a 2 % rate worth two sends. */
export const FALLBACK_CHANNEL_PRIOR: BetaPrior = { rate: 0.02, strength: 2 };

/** A prior from shop-level counts, capped at `effectiveSampleSize` so individual evidence still matters. */
export function priorFromShopRate(engaged: number, trials: number, effectiveSampleSize: number): BetaPrior {
  // Laplace smoothing keeps a shop with no sends yet away from a rate of exactly 0 or 1.
  return { rate: (engaged + 1) / (trials + 2), strength: Math.min(effectiveSampleSize, trials + 2) };
}

export function resolveChannelPrior(shop: ShopModelState, channel: Channel, stage: Stage): BetaPrior {
  const prior = shop.channelPriors[channel];
  return prior?.byStage?.[stage] ?? prior?.all ?? FALLBACK_CHANNEL_PRIOR;
}

export function priorParams({ rate, strength }: BetaPrior): BetaParams {
  const r = Math.min(Math.max(rate, 1e-6), 1 - 1e-6);
  const n = strength > 0 ? strength : FALLBACK_CHANNEL_PRIOR.strength;
  return { alpha: r * n, beta: (1 - r) * n };
}

/** Posterior at `nowMs`: the prior plus the customer's decayed evidence. */
export function channelPosterior(
  counts: DecayedCounts | undefined,
  prior: BetaPrior,
  nowMs: number,
  halfLifeDays: number,
): BetaParams {
  const p = priorParams(prior);
  const c = countsAt(counts, nowMs, halfLifeDays);
  return { alpha: p.alpha + c.successes, beta: p.beta + c.failures };
}

export type Contactability = {
  consents: readonly PersonChannel[];
  reachable: readonly PersonChannel[];
  optedOut?: readonly PersonChannel[];
};

/** Channels with consent, a reachable address and no opt-out, in the canonical channel order. */
export function eligibleChannels({ consents, reachable, optedOut = [] }: Contactability): PersonChannel[] {
  return PERSON_CHANNELS.filter((c) => consents.includes(c) && reachable.includes(c) && !optedOut.includes(c));
}
