// Next-best-action scoring: the expected incremental value of each candidate action against sending
// nothing. A send is worth
//   P(engage | channel) × urgency(send time) × content weight × P(convert | engaged, tier)
//     × basket × (margin − discount) − channel cost − baseline,
// where baseline is what the customer would bring without a message (holdout conversion × basket ×
// margin), so "send nothing" is worth exactly 0. Candidates are kept in one stable order and ties go
// to "send nothing", then to the earlier candidate, so equal scores always resolve the same way.

import { DISCOUNT_TIERS, type DiscountTier, type PersonChannel } from './types.ts';

export type ContentCandidate = {
  type: string;
  /** Conversion multiplier from the recommender's relevance for this content; 1 is neutral. */
  weight?: number;
  /** Whether this content may carry a discount (a first cart reminder usually does not). */
  allowsDiscount?: boolean;
};

/** One action; indices point into the decision's contents, timed channels and DISCOUNT_TIERS. */
export type Candidate = { content: number; channel: number; tier: number };

export const NONE = -1;

/** Every content × channel × tier combination the guardrails leave open, in the tie-break order. */
export function enumerateCandidates(
  contents: readonly ContentCandidate[],
  channelCount: number,
  openTiers: readonly boolean[],
): Candidate[] {
  const out: Candidate[] = [];
  for (let content = 0; content < contents.length; content++) {
    const discountable = contents[content]!.allowsDiscount ?? false;
    for (let channel = 0; channel < channelCount; channel++) {
      for (let tier = 0; tier < DISCOUNT_TIERS.length; tier++) {
        if (openTiers[tier] && (tier === 0 || discountable)) out.push({ content, channel, tier });
      }
    }
  }
  return out;
}

export function incrementalValue(
  engage: number,
  urgency: number,
  contentWeight: number,
  conversion: number,
  basketMinor: number,
  keptMarginRate: number,
  costMinor: number,
  baselineMinor: number,
): number {
  return engage * urgency * contentWeight * conversion * basketMinor * keptMarginRate - costMinor - baselineMinor;
}

/** The send action with the highest value in a draw, whatever its sign; the first on ties. */
export function bestSendCandidate(values: Float64Array, n: number): number {
  let best = NONE;
  for (let i = 0; i < n; i++) if (best === NONE || values[i]! > values[best]!) best = i;
  return best;
}

/** A readable, stable identifier of an action, e.g. "cart_reminder|sms|10". */
export function actionKey(contentType: string, channel: PersonChannel, tier: DiscountTier): string {
  return `${contentType}|${channel}|${tier}`;
}
