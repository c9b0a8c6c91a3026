// The scheduled refit of a shop's pooled model state from its customers' states: channel priors per
// channel and lifecycle stage (a stage's shrunk toward the shop's), and population send-time curves. Pure and streaming: the product's
// retrain (learning/retrain.ts) pages customers out of Postgres into it, the simulator feeds it the
// states it holds in memory, so both refit alike.

import { countsAt, weightSquaresAt } from './core/decay.ts';
import { addToPool, emptyPoolStats, pooledPrior, type PoolingBounds, type PoolStats } from './channel/posterior.ts';
import { addToSiteHabit, buildPopulationCurve, finishSiteHabit, startSiteHabit, type SiteHabit, type SiteHabitAccumulator } from './sendtime/curve.ts';
import { addToProfiles, fitProfiles, startProfiles, type HabitProfile, type ProfileAccumulator } from './sendtime/profiles.ts';
import type { ChannelPrior, CustomerModelState, DiscountSegmentState, HourCounts, ShopModelState } from './state.ts';
import { PERSON_CHANNELS, STAGES, type BetaPrior, type PersonChannel } from './types.ts';

/**
 * Bounds of a pooled prior's strength in sends. Fitted from how much customers differ (pooledPrior):
 * at least 2, so a customer's own evidence always counts; at most 200, so a shop whose customers
 * look alike still follows one who does not, within a few hundred sends. 20 when the spread cannot be
 * measured yet.
 */
export const PRIOR_STRENGTH = { minStrength: 2, maxStrength: 200, fallbackStrength: 20 } as const;
/** A stage gets its own prior once its customers have this many (decayed) sends. */
export const MIN_STAGE_TRIALS = 50;
/** The discount prior's rate follows the shop's conversion of engaged sends without discount once it has this many. */
export const MIN_DISCOUNT_TRIALS = 30;

export type RefitOptions = {
  halfLifeDays: number;
  priorStrength?: PoolingBounds;
  minStageTrials?: number;
};

/** What the refit has gathered so far; add customers with addToRefit, read it with finishRefit. */
export type RefitAccumulator = {
  nowMs: number;
  options: RefitOptions;
  customers: number;
  pools: Map<string, PoolStats>;
  hours: Record<PersonChannel, HourCounts[]>;
  site: SiteHabitAccumulator;
  profiles: ProfileAccumulator;
  /** Engaged sends without a discount over every discount segment: converted, and not. */
  undiscounted: { converted: number; trials: number };
};

export type RefitResult = {
  customers: number;
  priors: Partial<Record<PersonChannel, ChannelPrior>>;
  population: Partial<Record<PersonChannel, number[]>>;
  /** When customers visit the site and how much one customer's visits count against it; null until measurable. */
  siteHabit: SiteHabit | null;
  /** The shop's daily habits when more than one explains its customers' visits better than their average. */
  habitProfiles: HabitProfile[] | null;
  /**
   * The rate of the discount prior: engaged sends without a discount that converted, pooled over every
   * segment (Laplace-smoothed), with the sends behind it; null below MIN_DISCOUNT_TRIALS.
   */
  discountRate: { rate: number; trials: number } | null;
};

export function startRefit(nowMs: number, options: RefitOptions): RefitAccumulator {
  return { nowMs, options, customers: 0, pools: new Map(), hours: { email: [], sms: [], whatsapp: [], push: [] }, site: startSiteHabit(), profiles: startProfiles(), undiscounted: { converted: 0, trials: 0 } };
}

export function addToRefit(acc: RefitAccumulator, state: CustomerModelState): void {
  acc.customers++;
  addToSiteHabit(acc.site, state.siteActivity, acc.nowMs, acc.options.halfLifeDays);
  addToProfiles(acc.profiles, state.siteActivity, acc.nowMs, acc.options.halfLifeDays);
  for (const channel of PERSON_CHANNELS) {
    const c = countsAt(state.channels[channel], acc.nowMs, acc.options.halfLifeDays);
    if (c.successes + c.failures > 0) {
      const squares = weightSquaresAt(state.channels[channel], acc.nowMs, acc.options.halfLifeDays);
      add(acc.pools, channel, c.successes, c.failures, squares);
      add(acc.pools, `${channel}:${state.lifecycle.stage}`, c.successes, c.failures, squares);
    }
    const hours = state.sendTime[channel];
    if (hours) acc.hours[channel].push(hours);
  }
}

/**
 * Adds one discount segment's evidence: its tier-0 counts (engaged sends without a discount), pooled over
 * segments into the rate every tier's prior starts from. The shop's default rate (a guess) sits far from
 * what a shop's engaged customers do; an untried tier compared against tier 0's data from a prior below it
 * looked worse than no discount only because of the guess, and the joint draw of conversion pulled
 * channel choices toward the cheapest channel in the draws near zero. Tiers still start equal: a
 * discount has to earn its place with its own data.
 */
export function addDiscountSegmentToRefit(acc: RefitAccumulator, segment: DiscountSegmentState): void {
  const c = countsAt(segment.tiers[0], acc.nowMs, acc.options.halfLifeDays);
  acc.undiscounted.converted += c.successes;
  acc.undiscounted.trials += c.successes + c.failures;
}

export function finishRefit(acc: RefitAccumulator): RefitResult {
  const bounds = acc.options.priorStrength ?? PRIOR_STRENGTH;
  const minStage = acc.options.minStageTrials ?? MIN_STAGE_TRIALS;
  const priors: RefitResult['priors'] = {};
  const population: RefitResult['population'] = {};
  for (const channel of PERSON_CHANNELS) {
    const all = acc.pools.get(channel);
    if (all && all.trials > 0) {
      const pooled = pooledPrior(all, bounds);
      const byStage: ChannelPrior['byStage'] = {};
      for (const stage of STAGES) {
        const t = acc.pools.get(`${channel}:${stage}`);
        if (t && t.trials >= minStage) byStage[stage] = stagePrior(t, pooled);
      }
      priors[channel] = { all: { ...pooled, sends: all.trials }, byStage };
    }
    if (acc.hours[channel].length > 0) population[channel] = buildPopulationCurve(acc.hours[channel], acc.nowMs, acc.options.halfLifeDays);
  }
  const u = acc.undiscounted;
  const discountRate = u.trials >= MIN_DISCOUNT_TRIALS ? { rate: (u.converted + 1) / (u.trials + 2), trials: u.trials } : null;
  const siteHabit = finishSiteHabit(acc.site);
  return { customers: acc.customers, priors, population, siteHabit, habitProfiles: siteHabit ? fitProfiles(acc.profiles) : null, discountRate };
}

/**
 * A stage's prior: its rate estimated with the shop's pooled prior as prior, (stage engaged + strength ×
 * shop rate) / (stage sends + strength), so a stage with few sends stays near the shop's rate and only
 * its own sends move it away; a stage differs from the shop at most as much as one customer does, so the
 * shop prior weighs as much as it does for a customer. The spread is fitted over all stages (customers
 * differ at most as much within a stage as overall, and a stage's few customers would make the fit
 * noisy), never worth more than the stage's own sends. `sends` counts the shop prior's weight too.
 */
function stagePrior(stage: PoolStats, shop: BetaPrior): BetaPrior {
  return {
    rate: (stage.engaged + shop.strength * shop.rate) / (stage.trials + shop.strength),
    strength: Math.min(shop.strength, stage.trials + 2),
    sends: stage.trials + shop.strength,
  };
}

/** One call for callers that hold every state in memory. */
export function refitShop(
  states: Iterable<CustomerModelState>,
  nowMs: number,
  options: RefitOptions,
  segments: Iterable<DiscountSegmentState> = [],
): RefitResult {
  const acc = startRefit(nowMs, options);
  for (const s of states) addToRefit(acc, s);
  for (const s of segments) addDiscountSegmentToRefit(acc, s);
  return finishRefit(acc);
}

/** The shop state with the refit's priors and curves in place; channels the refit saw nothing of keep theirs. */
export function applyRefit(shop: ShopModelState, refit: RefitResult): ShopModelState {
  return {
    ...shop,
    channelPriors: { ...shop.channelPriors, ...refit.priors },
    sendTime: {
      ...shop.sendTime,
      population: { ...shop.sendTime.population, ...refit.population },
      ...(refit.siteHabit ? { siteHabit: { hours: refit.siteHabit.hours, strength: refit.siteHabit.strength, ...(refit.habitProfiles ? { profiles: refit.habitProfiles } : {}) } } : {}),
    },
    discount: refit.discountRate ? { ...shop.discount, prior: { ...shop.discount.prior, rate: refit.discountRate.rate } } : shop.discount,
  };
}

function add(pools: Map<string, PoolStats>, key: string, successes: number, failures: number, squares: number): void {
  let p = pools.get(key);
  if (!p) pools.set(key, (p = emptyPoolStats()));
  addToPool(p, successes, failures, squares);
}
