// updateOnOutcome: folds one outcome of a send into the model state. Runs in the same transaction as
// the outcome row, so it must be idempotent (an activity retry re-applies the same outcome) and must
// not count one send twice (a click followed by a conversion is one engagement).
//
// Evidence per send:
// - channel: engaged (first click or conversion) = success; no_response or unsubscribe without an
//   engagement = failure. delivered and opened are recorded but are no evidence: opens are unreliable
//   (mail privacy proxies open everything).
// - send time: the local hour of the engagement.
// - discount tier: among engaged sends, converted = success, no_response = failure. no_response is
//   emitted when the attribution window closes, so a later conversion is outside it and ignored.

import { DEFAULT_HALF_LIFE_DAYS, addObservation } from './core/decay.ts';
import { addTierObservation } from './discount/posterior.ts';
import { addHourObservation } from './sendtime/curve.ts';
import { hourOfWeekAt, isValidTimeZone } from './sendtime/zone.ts';
import type { CustomerModelState, DiscountSegmentState, OutcomeKind } from './state.ts';
import type { DiscountTier, PersonChannel } from './types.ts';

export type Outcome = {
  /** The dispatch key of the send this outcome belongs to. */
  sendId: string;
  kind: OutcomeKind;
  channel: PersonChannel;
  /** When it happened (UTC ISO-8601). */
  at: string;
  /** Tier the send carried; null for sends without a discount decision. */
  discountTier: DiscountTier | null;
};

export type OutcomeState = {
  customer: CustomerModelState;
  /** The segment's discount posteriors, when the caller updates them in the same transaction. */
  discount?: DiscountSegmentState;
};

/** How many recent sends are remembered for de-duplication. */
export const RECENT_SEND_LIMIT = 32;

export function updateOnOutcome(
  state: OutcomeState,
  outcome: Outcome,
  halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS,
): OutcomeState {
  const { customer } = state;
  const atMs = Date.parse(outcome.at);
  if (!Number.isFinite(atMs)) return state;
  const previous = customer.recentSends.find((s) => s.sendId === outcome.sendId)?.kinds ?? [];
  if (previous.includes(outcome.kind)) return state;

  const engagedBefore = previous.includes('clicked') || previous.includes('converted');
  const closed = previous.includes('no_response') || previous.includes('unsubscribed');
  const engagesNow = (outcome.kind === 'clicked' || outcome.kind === 'converted') && !engagedBefore && !closed;
  const failsNow = (outcome.kind === 'no_response' || outcome.kind === 'unsubscribed') && !engagedBefore && !closed;

  let next: CustomerModelState = { ...customer, recentSends: remember(customer.recentSends, outcome) };
  if (engagesNow || failsNow) {
    next.channels = { ...next.channels, [outcome.channel]: addObservation(next.channels[outcome.channel], engagesNow, atMs, halfLifeDays) };
  }
  if (engagesNow && isValidTimeZone(customer.timeZone)) {
    const hour = hourOfWeekAt(customer.timeZone, atMs);
    next.sendTime = { ...next.sendTime, [outcome.channel]: addHourObservation(next.sendTime[outcome.channel], hour, atMs, halfLifeDays) };
  }
  if (outcome.kind === 'unsubscribed' && !next.optedOut.includes(outcome.channel)) {
    next = { ...next, optedOut: [...next.optedOut, outcome.channel] };
  }

  let discount = state.discount;
  const tier = outcome.discountTier;
  if (discount && tier !== null) {
    const converts = outcome.kind === 'converted' && !closed;
    const engagedNoSale = outcome.kind === 'no_response' && engagedBefore && !previous.includes('converted');
    if (converts || engagedNoSale) discount = addTierObservation(discount, tier, converts, atMs, halfLifeDays);
  }
  return discount ? { customer: next, discount } : { customer: next };
}

function remember(recent: CustomerModelState['recentSends'], outcome: Outcome): CustomerModelState['recentSends'] {
  const existing = recent.find((s) => s.sendId === outcome.sendId);
  const entry = { sendId: outcome.sendId, kinds: [...(existing?.kinds ?? []), outcome.kind] };
  const others = recent.filter((s) => s.sendId !== outcome.sendId);
  return [...others, entry].slice(-RECENT_SEND_LIMIT);
}

/** Records a site visit: weaker evidence of when the customer is around, used by every channel's curve. */
export function recordSiteActivity(customer: CustomerModelState, at: string, halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS): CustomerModelState {
  const atMs = Date.parse(at);
  if (!Number.isFinite(atMs) || !isValidTimeZone(customer.timeZone)) return customer;
  const hour = hourOfWeekAt(customer.timeZone, atMs);
  return { ...customer, siteActivity: addHourObservation(customer.siteActivity, hour, atMs, halfLifeDays) };
}
