// The scheduled refit of a shop's pooled model state from its customers' states: channel priors per
// channel and lifecycle stage, and population send-time curves. Pure and streaming: the product's
// retrain (learning/retrain.ts) pages customers out of Postgres into it, the simulator feeds it the
// states it holds in memory, so both refit alike.

import { countsAt } from './core/decay.ts';
import { priorFromShopRate } from './channel/posterior.ts';
import { buildPopulationCurve } from './sendtime/curve.ts';
import type { ChannelPrior, CustomerModelState, HourCounts, ShopModelState } from './state.ts';
import { PERSON_CHANNELS, STAGES, type PersonChannel } from './types.ts';

/** A shop-level prior is worth this many sends at most, so each customer's own evidence still counts. */
export const PRIOR_EFFECTIVE_SIZE = 20;
/** A stage gets its own prior once its customers have this many (decayed) sends. */
export const MIN_STAGE_TRIALS = 50;

export type RefitOptions = {
  halfLifeDays: number;
  priorEffectiveSize?: number;
  minStageTrials?: number;
};

type Totals = { engaged: number; trials: number };

/** What the refit has gathered so far; add customers with addToRefit, read it with finishRefit. */
export type RefitAccumulator = {
  nowMs: number;
  options: RefitOptions;
  customers: number;
  totals: Map<string, Totals>;
  hours: Record<PersonChannel, HourCounts[]>;
};

export type RefitResult = {
  customers: number;
  priors: Partial<Record<PersonChannel, ChannelPrior>>;
  population: Partial<Record<PersonChannel, number[]>>;
};

export function startRefit(nowMs: number, options: RefitOptions): RefitAccumulator {
  return { nowMs, options, customers: 0, totals: new Map(), hours: { email: [], sms: [], whatsapp: [], push: [] } };
}

export function addToRefit(acc: RefitAccumulator, state: CustomerModelState): void {
  acc.customers++;
  for (const channel of PERSON_CHANNELS) {
    const c = countsAt(state.channels[channel], acc.nowMs, acc.options.halfLifeDays);
    if (c.successes + c.failures > 0) {
      add(acc.totals, channel, c.successes, c.failures);
      add(acc.totals, `${channel}:${state.lifecycle.stage}`, c.successes, c.failures);
    }
    const hours = state.sendTime[channel];
    if (hours) acc.hours[channel].push(hours);
  }
}

export function finishRefit(acc: RefitAccumulator): RefitResult {
  const size = acc.options.priorEffectiveSize ?? PRIOR_EFFECTIVE_SIZE;
  const minStage = acc.options.minStageTrials ?? MIN_STAGE_TRIALS;
  const priors: RefitResult['priors'] = {};
  const population: RefitResult['population'] = {};
  for (const channel of PERSON_CHANNELS) {
    const all = acc.totals.get(channel);
    if (all && all.trials > 0) {
      const byStage: ChannelPrior['byStage'] = {};
      for (const stage of STAGES) {
        const t = acc.totals.get(`${channel}:${stage}`);
        if (t && t.trials >= minStage) byStage[stage] = priorFromShopRate(t.engaged, t.trials, size);
      }
      priors[channel] = { all: priorFromShopRate(all.engaged, all.trials, size), byStage };
    }
    if (acc.hours[channel].length > 0) population[channel] = buildPopulationCurve(acc.hours[channel], acc.nowMs, acc.options.halfLifeDays);
  }
  return { customers: acc.customers, priors, population };
}

/** One call for callers that hold every state in memory. */
export function refitShop(states: Iterable<CustomerModelState>, nowMs: number, options: RefitOptions): RefitResult {
  const acc = startRefit(nowMs, options);
  for (const s of states) addToRefit(acc, s);
  return finishRefit(acc);
}

/** The shop state with the refit's priors and curves in place; channels the refit saw nothing of keep theirs. */
export function applyRefit(shop: ShopModelState, refit: RefitResult): ShopModelState {
  return {
    ...shop,
    channelPriors: { ...shop.channelPriors, ...refit.priors },
    sendTime: { ...shop.sendTime, population: { ...shop.sendTime.population, ...refit.population } },
  };
}

function add(totals: Map<string, Totals>, key: string, successes: number, failures: number): void {
  const t = totals.get(key) ?? { engaged: 0, trials: 0 };
  t.engaged += successes;
  t.trials += successes + failures;
  totals.set(key, t);
}
