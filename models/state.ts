// Model state as stored in Postgres jsonb columns: plain JSON (no Dates, Maps or typed arrays) with a
// version field so a later shape can be migrated on read. One customer row, one shop row and one row
// per discount segment.

import type { DecayedCounts } from './core/decay.ts';
import type { HabitProfile } from './sendtime/profiles.ts';
import type { BetaPrior, Channel, DiscountTier, PersonChannel, QuietHours, Stage } from './types.ts';
import { DISCOUNT_TIERS } from './types.ts';

export const MODEL_STATE_VERSION = 1;

export type { DecayedCounts } from './core/decay.ts';

export const OUTCOME_KINDS = ['delivered', 'opened', 'clicked', 'converted', 'unsubscribed', 'no_response'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** Sparse engagement weights by local hour of week (key "0" = Monday 00:00–00:59), discounted to asOf. */
export type HourCounts = { hours: Record<string, number>; asOf: string };

/** Outcomes already applied for a recent send: makes updates idempotent and stops double counting. */
export type RecentSend = { sendId: string; kinds: OutcomeKind[] };

export type CustomerModelState = {
  version: typeof MODEL_STATE_VERSION;
  /** IANA zone, e.g. "Europe/Berlin". */
  timeZone: string;
  lifecycle: { stage: Stage; why: string; since: string };
  /** Engagement (click or conversion) per channel; opens alone are not evidence. */
  channels: Partial<Record<PersonChannel, DecayedCounts>>;
  /** When the customer engaged, per channel. */
  sendTime: Partial<Record<PersonChannel, HourCounts>>;
  /** When the customer was active on the site: weaker evidence of good hours for every channel. */
  siteActivity: HourCounts | null;
  /** Channels the customer unsubscribed from through a message; excluded even if consent data lags. */
  optedOut: PersonChannel[];
  recentSends: RecentSend[];
};

export type ChannelPrior = { all: BetaPrior; byStage?: Partial<Record<Stage, BetaPrior>> };

export type DiscountGuardrails = {
  /** Highest tier the shop allows, in percent. */
  maxTier: DiscountTier;
  /** Share of the basket that must remain as margin after the discount, e.g. 0.15. */
  marginFloor: number;
  /**
   * Posterior probability that a discount loses margin above which no discount is offered at all:
   * the "would buy anyway" guard.
   */
  wouldBuyAnywayConfidence: number;
};

export type ShopModelState = {
  version: typeof MODEL_STATE_VERSION;
  /** Evidence loses half its weight after this many days. */
  halfLifeDays: number;
  /** Pooled engagement priors per channel, optionally per lifecycle stage. */
  channelPriors: Partial<Record<Channel, ChannelPrior>>;
  /** Cost of one send (or one audience member) in minor units. */
  channelCostsMinor: Partial<Record<Channel, number>>;
  sendTime: {
    /**
     * Shop-wide engagement by local hour of week per channel: 168 weights each. Descriptive: it counts
     * engagements where messages were sent, so send time does not use it as a prior (models/README.md).
     */
    population: Partial<Record<PersonChannel, number[]>>;
    /** How many observations the flat prior of a customer's send-time habit is worth against their own. */
    priorStrength: number;
    /** Weight of one site visit against one engagement with a message. */
    siteActivityWeight: number;
    /**
     * When the shop's customers visit the site (168 shares) and how many visits of a customer weigh as
     * much as it (refit.ts): the prior of a customer's habit. Absent until the refit has measured it; the
     * flat prior worth `priorStrength` applies then.
     */
    siteHabit?: {
      hours: number[];
      strength: number;
      /**
       * The shop's daily habits as a mixture (sendtime/profiles.ts), when the refit found more than one:
       * a customer's prior leans to the habits their own visits point to.
       */
      profiles?: HabitProfile[];
    };
  };
  quietHours: QuietHours;
  discount: { prior: BetaPrior; guardrails: DiscountGuardrails };
};

/** Conversion-given-engagement evidence per discount tier, in DISCOUNT_TIERS order, for one segment. */
export type DiscountSegmentState = {
  version: typeof MODEL_STATE_VERSION;
  segment: string;
  tiers: DecayedCounts[];
};

export function newCustomerModelState(timeZone: string, now: string): CustomerModelState {
  return {
    version: MODEL_STATE_VERSION,
    timeZone,
    lifecycle: { stage: 'new', why: 'no purchases yet', since: now },
    channels: {},
    sendTime: {},
    siteActivity: null,
    optedOut: [],
    recentSends: [],
  };
}

export function newDiscountSegmentState(segment: string, now: string): DiscountSegmentState {
  return {
    version: MODEL_STATE_VERSION,
    segment,
    tiers: DISCOUNT_TIERS.map(() => ({ successes: 0, failures: 0, asOf: now })),
  };
}

/** Defaults for a shop with no history yet; each value is meant to be replaced by the shop's own data. */
export function defaultShopModelState(): ShopModelState {
  return {
    version: MODEL_STATE_VERSION,
    halfLifeDays: 90,
    // Weak priors (worth 10 sends) at typical industry engagement rates; the shop's data overrides them fast.
    channelPriors: {
      email: { all: { rate: 0.03, strength: 10 } },
      sms: { all: { rate: 0.06, strength: 10 } },
      whatsapp: { all: { rate: 0.08, strength: 10 } },
      push: { all: { rate: 0.02, strength: 10 } },
      audience: { all: { rate: 0.01, strength: 10 } },
      adbid: { all: { rate: 0.01, strength: 10 } },
    },
    channelCostsMinor: { email: 0.1, sms: 5, whatsapp: 4, push: 0, audience: 1, adbid: 2 },
    sendTime: { population: {}, priorStrength: 8, siteActivityWeight: 0.25 },
    quietHours: { start: '21:00', end: '08:00' },
    // Equal prior rates for every tier: a discount has to earn its place with data. Worth 20 engaged
    // sends: a weaker prior puts so much weight near a 0 % conversion rate that, in those draws, the
    // cheapest channel wins whatever the customer prefers (strength 4 sent an SMS-clicker e-mail a
    // third of the time; 20 keeps it under 3 %).
    discount: { prior: { rate: 0.1, strength: 20 }, guardrails: { maxTier: 25, marginFloor: 0.1, wouldBuyAnywayConfidence: 0.9 } },
  };
}
