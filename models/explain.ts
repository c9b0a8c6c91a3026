// explainCustomer: what the models currently believe about one customer, as plain data for the
// `explain` CLI and API. Uses posterior means and intervals only: explaining draws nothing at random.

import { betaInterval, betaMean } from './core/beta.ts';
import { countsAt } from './core/decay.ts';
import { channelPosterior, resolveChannelPrior } from './channel/posterior.ts';
import { tierAlternatives, type TierAlternative } from './discount/choose.ts';
import { allowedTierMask } from './discount/guardrails.ts';
import { tierPosteriors } from './discount/posterior.ts';
import { argmaxHour } from './sendtime/curve.ts';
import { hourLabel } from './sendtime/choose.ts';
import { customerCurve } from './sendtime/customer.ts';
import type { CustomerModelState, DiscountSegmentState, ShopModelState } from './state.ts';
import { PERSON_CHANNELS, type DiscountTier, type PersonChannel, type Stage } from './types.ts';

export type ExplainState = {
  customer: CustomerModelState;
  discount: DiscountSegmentState;
  now: string;
  /** Typical basket and margin to value the discount tiers with. */
  basketValueMinor: number;
  marginRate: number;
};

export type ChannelExplanation = {
  channel: PersonChannel;
  mean: number;
  /** 90 % central credible interval of P(engage). */
  interval90: [number, number];
  /** Decayed clicks/conversions and ignored sends of this customer. */
  engaged: number;
  ignored: number;
  optedOut: boolean;
};

export type SendTimeExplanation = {
  channel: PersonChannel;
  /** Share of engagement per local hour of week, 168 values. */
  curve: number[];
  bestHourOfWeek: number;
  bestHourLabel: string;
  /** How much of the curve is the customer's own evidence rather than the shop's. */
  ownEvidence: number;
};

export type CustomerExplanation = {
  stage: Stage;
  why: string;
  channels: ChannelExplanation[];
  sendTime: SendTimeExplanation[];
  discount: { chosenTier: DiscountTier; alternatives: TierAlternative[] };
};

export function explainCustomer(state: ExplainState, shop: ShopModelState): CustomerExplanation {
  const { customer } = state;
  const nowMs = Date.parse(state.now);
  const channels = PERSON_CHANNELS.map((channel): ChannelExplanation => {
    const prior = resolveChannelPrior(shop, channel, customer.lifecycle.stage);
    const post = channelPosterior(customer.channels[channel], prior, nowMs, shop.halfLifeDays);
    const own = countsAt(customer.channels[channel], nowMs, shop.halfLifeDays);
    return {
      channel,
      mean: betaMean(post),
      interval90: betaInterval(post, 0.9),
      engaged: own.successes,
      ignored: own.failures,
      optedOut: customer.optedOut.includes(channel),
    };
  });
  const sendTime = PERSON_CHANNELS.map((channel): SendTimeExplanation => {
    const { curve, evidence } = customerCurve(customer, shop, channel, nowMs);
    const best = argmaxHour(curve);
    return { channel, curve: Array.from(curve), bestHourOfWeek: best, bestHourLabel: hourLabel(best), ownEvidence: evidence };
  });
  const allowed = allowedTierMask(shop.discount.guardrails, state.marginRate);
  const alternatives = tierAlternatives(
    tierPosteriors(state.discount, shop.discount.prior, nowMs, shop.halfLifeDays),
    allowed,
    state.marginRate,
    state.basketValueMinor,
  );
  // Tier 0 is always allowed, so there is always a best tier; ties keep the smaller discount.
  const chosen = alternatives
    .filter((a) => a.allowed)
    .reduce((best, a) => (a.expectedMarginMinor > best.expectedMarginMinor ? a : best));
  return {
    stage: customer.lifecycle.stage,
    why: customer.lifecycle.why,
    channels,
    sendTime,
    discount: { chosenTier: chosen.tier, alternatives },
  };
}
