// Beta-Bernoulli engagement per customer × channel. The prior is pooled from the shop's own rates for
// that channel and the customer's lifecycle stage, worth `strength` sends: a new customer behaves like
// the shop's average, and each click or ignored message moves them away from it.

import { countsAt, equalWeightSquares, type DecayedCounts } from '../core/decay.ts';
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

/**
 * Per-customer engagement evidence summed over a shop's customers, enough to fit how much they differ.
 * Counts are decayed, so customer i's n_i is a sum of weights w_ij ≤ 1, one per send. How much their
 * rate s_i / n_i tells apart from binomial noise depends on how those weights spread: its noise variance
 * is p(1 − p) q_i / n_i with q_i = Σ_j w_ij² / n_i (q_i = 1 for fresh sends, smaller for old ones).
 * `squares` (Σ_j w_ij², DecayedCounts keeps it) gives q_i exactly. Without it, the customer is taken as
 * ⌈n_i⌉ sends of equal weight, q_i = n_i / ⌈n_i⌉: right for a few sends of similar age, but three sends
 * of a half-life ago look like one, whose noise hides the spread, and customers look alike.
 */
export type PoolStats = {
  customers: number;
  /** Σ n_i, Σ s_i, Σ q_i, Σ n_i q_i, Σ n_i (n_i − q_i), Σ s_i² / n_i. */
  trials: number;
  engaged: number;
  weights: number;
  trialWeights: number;
  pairs: number;
  engagedSquaredOverTrials: number;
};

export const emptyPoolStats = (): PoolStats => ({ customers: 0, trials: 0, engaged: 0, weights: 0, trialWeights: 0, pairs: 0, engagedSquaredOverTrials: 0 });

/** Adds one customer's decayed evidence; `squares` is its Σ w² (weightSquaresAt), when known. */
export function addToPool(p: PoolStats, successes: number, failures: number, squares?: number): void {
  const n = successes + failures;
  if (!(n > 0)) return;
  const w = Math.min(1, (squares !== undefined && squares > 0 ? squares : equalWeightSquares(n)) / n);
  p.customers++;
  p.trials += n;
  p.engaged += successes;
  p.weights += w;
  p.trialWeights += n * w;
  p.pairs += n * (n - w);
  p.engagedSquaredOverTrials += (successes * successes) / n;
}

export type PoolingBounds = { minStrength: number; maxStrength: number; fallbackStrength: number };

/**
 * The shop's prior for one channel (and stage): the pooled rate, worth as many sends as customers'
 * rates are alike. Empirical Bayes by the method of moments for the beta-binomial: the intra-class
 * correlation ρ = 1 / (strength + 1) from the n-weighted spread of customers' rates beyond what
 * binomial noise explains, E[Σ n_i (p_i − p̂)²] = p(1 − p) (Σq − Σnq/N + ρ (N − Σq − Σn(n − q)/N)).
 * Customers who all engage alike get a strong prior, so a new customer is not sent the worse channel
 * "to explore" what the shop already knows; customers who differ get a weak one, so their own clicks
 * soon count. Without spread information (one send per customer) the fallback strength applies.
 * Never worth more than the shop's sends.
 */
export function pooledPrior(p: PoolStats, bounds: PoolingBounds): BetaPrior {
  const rate = (p.engaged + 1) / (p.trials + 2);
  const cap = p.trials + 2;
  const spreadDf = p.trials > 0 ? p.trials - p.weights - p.pairs / p.trials : 0;
  const pHat = p.trials > 0 ? p.engaged / p.trials : 0;
  if (p.customers < 2 || spreadDf <= 1e-9 || pHat <= 0 || pHat >= 1) return { rate, strength: Math.min(bounds.fallbackStrength, cap) };
  const spread = p.engagedSquaredOverTrials - (p.engaged * p.engaged) / p.trials;
  const rho = (spread / (pHat * (1 - pHat)) - (p.weights - p.trialWeights / p.trials)) / spreadDf;
  const strength = rho > 0 ? 1 / rho - 1 : Infinity;
  return { rate, strength: Math.min(Math.max(strength, bounds.minStrength), bounds.maxStrength, cap) };
}
