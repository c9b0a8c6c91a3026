// decideAction: the whole decision for one customer and one journey step, pure and replayable.
// One Thompson draw of every uncertain quantity (engagement per channel, conversion per tier) scores
// every candidate action; the best one wins. The same seeded generator then repeats the draw
// `propensityDraws` times to estimate how likely each action was, which is what offline evaluation
// of another policy needs. Send time is deterministic given the state, so it carries no propensity.

import { betaMean } from './core/beta.ts';
import { DEFAULT_PROPENSITY_DRAWS } from './core/propensity.ts';
import { Rng } from './core/rng.ts';
import { channelPosterior, eligibleChannels, priorParams, resolveChannelPrior } from './channel/posterior.ts';
import { allowedTierMask, wouldBuyAnyway } from './discount/guardrails.ts';
import { sampleMonotoneRates, TIER_COUNT, tierPosteriorMeans, tierPosteriors } from './discount/posterior.ts';
import { bestSendCandidate, enumerateCandidates, incrementalValue, NONE, type Candidate, type ContentCandidate } from './nba.ts';
import { customerSendTime } from './sendtime/customer.ts';
import type { CustomerModelState, DiscountSegmentState, ShopModelState } from './state.ts';
import { DISCOUNT_TIERS, type PersonChannel, type TimeWindow } from './types.ts';
import { noAction, summarize, type Decision, type TimedChannel } from './decision.ts';

export type { Decision, ScoredAction } from './decision.ts';
export type { ContentCandidate } from './nba.ts';

export type DecideInput = {
  customer: CustomerModelState;
  shop: ShopModelState;
  /** Discount posteriors of the customer's segment. */
  discount: DiscountSegmentState;
  consents: readonly PersonChannel[];
  reachable: readonly PersonChannel[];
  /** What this journey step could send, in the journey's order of preference (used for ties). */
  contents: readonly ContentCandidate[];
  window: TimeWindow;
  basketValueMinor: number;
  /** Gross margin as a share of the basket, e.g. 0.4. */
  marginRate: number;
  now: string;
  seed: string | number;
  /** Value of a send halves per this many hours of delay (cart-abandon is urgent, win-back is not). */
  urgencyHalfLifeHours?: number;
  /** Conversion without any message (from a holdout group); 0 when unknown. */
  baselineConversion?: number;
  propensityDraws?: number;
  /** How many alternatives to return, best first. */
  maxAlternatives?: number;
};

export function decideAction(input: DecideInput): Decision {
  const { customer, shop, marginRate, basketValueMinor } = input;
  const nowMs = Date.parse(input.now);
  const seed = String(input.seed);
  const reasons: string[] = [`stage ${customer.lifecycle.stage}: ${customer.lifecycle.why}`];
  if (input.contents.length === 0) return noAction(seed, [...reasons, 'the journey step offered no content']);

  const eligible = eligibleChannels({ consents: input.consents, reachable: input.reachable, optedOut: customer.optedOut });
  if (eligible.length === 0) return noAction(seed, [...reasons, 'no channel has both consent and a reachable address']);

  if (Date.parse(input.window.latest) < nowMs) return noAction(seed, [...reasons, `the window closed at ${input.window.latest}, before this decision`]);
  // A window that opened in the past starts now: a decision cannot send before it is made.
  const window = { earliest: new Date(Math.max(Date.parse(input.window.earliest), nowMs)).toISOString(), latest: input.window.latest };
  const timed: TimedChannel[] = [];
  for (const channel of eligible) {
    const time = customerSendTime(customer, shop, channel, window, nowMs, input.urgencyHalfLifeHours);
    if (time.ok) {
      const prior = resolveChannelPrior(shop, channel, customer.lifecycle.stage);
      const posterior = channelPosterior(customer.channels[channel], prior, nowMs, shop.halfLifeDays);
      timed.push({ channel, time, posterior, prior, cost: shop.channelCostsMinor[channel] ?? 0 });
    } else {
      reasons.push(`${channel} skipped: ${time.why}`);
    }
  }
  if (timed.length === 0) return noAction(seed, [...reasons, 'no channel has an allowed send time in the window']);

  const draws = Math.max(0, Math.floor(input.propensityDraws ?? DEFAULT_PROPENSITY_DRAWS));
  const rows = draws + 1;
  const rng = new Rng(seed);
  const tierPost = tierPosteriors(input.discount, shop.discount.prior, nowMs, shop.halfLifeDays);
  const rates = new Float64Array(rows * TIER_COUNT);
  sampleMonotoneRates(tierPost, rng, rows, rates);
  const allowed = allowedTierMask(shop.discount.guardrails, marginRate);
  const anyway = wouldBuyAnyway(rates, rows, allowed, marginRate, shop.discount.guardrails.wouldBuyAnywayConfidence);
  if (anyway) reasons.push('no discount: the segment posterior says customers convert without one');
  const candidates = enumerateCandidates(input.contents, timed.length, anyway ? allowed.map((_, i) => i === 0) : allowed);

  // Everything in a candidate's value but the two sampled rates is fixed: value = engage × rate × scale − cost.
  const baseline = (input.baselineConversion ?? 0) * basketValueMinor * marginRate;
  const n = candidates.length;
  const channelOf = new Int32Array(n);
  const tierOf = new Int32Array(n);
  const scale = new Float64Array(n);
  const cost = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    channelOf[i] = c.channel;
    tierOf[i] = c.tier;
    scale[i] = incrementalValue(1, timed[c.channel]!.time.urgency, input.contents[c.content]!.weight ?? 1, 1, basketValueMinor, marginRate - DISCOUNT_TIERS[c.tier]! / 100, 0, 0);
    cost[i] = timed[c.channel]!.cost + baseline;
  }

  const meanRates = tierPosteriorMeans(tierPost);
  const meanValue = (c: Candidate) =>
    incrementalValue(
      betaMean(timed[c.channel]!.posterior),
      timed[c.channel]!.time.urgency,
      input.contents[c.content]!.weight ?? 1,
      meanRates[c.tier]!,
      basketValueMinor,
      marginRate - DISCOUNT_TIERS[c.tier]! / 100,
      timed[c.channel]!.cost,
      baseline,
    );
  // Thompson sampling explores among the send actions; whether to send at all is decided on the
  // posterior mean of the action the draw picked. "Send nothing" teaches nothing, so exploring it on
  // a low draw from a weak prior would withhold messages with a clearly positive expected value.
  const meanValues = Float64Array.from(candidates, meanValue);
  const bestMean = bestSendCandidate(meanValues, n);
  const bestByMean = bestMean !== NONE && meanValues[bestMean]! > 0 ? bestMean : NONE;

  const engage = new Float64Array(timed.length);
  const values = new Float64Array(n);
  const wins = new Float64Array(n);
  let noneWins = 0;
  let chosen = NONE;
  let chosenValue = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < timed.length; k++) engage[k] = sampleEngagement(rng, timed[k]!);
    const o = r * TIER_COUNT;
    for (let i = 0; i < n; i++) values[i] = engage[channelOf[i]!]! * rates[o + tierOf[i]!]! * scale[i]! - cost[i]!;
    const top = bestSendCandidate(values, n);
    // A draw that favours an action worth nothing on average falls back to the best action on
    // average, if any is worth sending; the rule is the same in every draw, so shares stay propensities.
    const best = top !== NONE && meanValues[top]! > 0 ? top : bestByMean;
    if (best === NONE) noneWins++;
    else wins[best]!++;
    if (r === 0) {
      chosen = best;
      chosenValue = best === NONE ? 0 : values[best]!;
    }
  }

  return summarize({
    seed, input, timed, candidates, chosen, chosenValue, wins, noneWins, rows, meanValue, reasons,
  });
}

/**
 * One Thompson draw of a customer's engagement on a channel. What is drawn is the shop's rate (the
 * prior's), from the uncertainty of the shop's own sends behind it; the customer's deviation from it
 * is taken at its posterior mean: (α₀/n₀ drawn × n₀ + the customer's decayed successes) / (α + β).
 * A customer has a few carts a year, so sending them a channel their posterior mean calls worse "to
 * learn" about them costs more than the few later decisions for them can pay back; what the shop
 * learns about a channel's rate serves every customer, and that is what the draw explores. A shop
 * that knows little (no `sends`: a default or fallback prior) draws as wide as the prior itself,
 * which is plain Thompson sampling for a customer without evidence.
 */
function sampleEngagement(rng: Rng, t: TimedChannel): number {
  const p0 = priorParams(t.prior);
  const n0 = p0.alpha + p0.beta;
  const rate = p0.alpha / n0;
  const shopSends = t.prior.sends !== undefined ? Math.max(t.prior.sends + 2, n0) : n0;
  const drawn = rng.beta(rate * shopSends, (1 - rate) * shopSends);
  const { alpha, beta } = t.posterior;
  return (alpha - p0.alpha + drawn * n0) / (alpha + beta);
}
