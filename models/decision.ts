// The decision record decideAction returns: what to do, why, and the propensities behind each random
// choice. It is logged as-is (plain JSON) so a different policy can be evaluated against it later.

import type { BetaParams } from './core/beta.ts';
import type { ContentCandidate, Candidate } from './nba.ts';
import { actionKey, NONE } from './nba.ts';
import type { SendTimeResult } from './sendtime/choose.ts';
import { MODEL_STATE_VERSION } from './state.ts';
import { DISCOUNT_TIERS, type BetaPrior, type DiscountTier, type PersonChannel } from './types.ts';

export type ScoredAction = {
  /** "content|channel|tier", or "none". */
  key: string;
  action: 'send' | 'none';
  contentType: string | null;
  channel: PersonChannel | null;
  discountTier: DiscountTier | null;
  sendAt: string | null;
  /** Incremental value under the posterior means, in minor units. */
  expectedValueMinor: number;
  /** Share of Thompson draws in which this action won: its propensity. */
  winProbability: number;
};

export type Decision = {
  version: typeof MODEL_STATE_VERSION;
  action: 'send' | 'none';
  contentType: string | null;
  channel: PersonChannel | null;
  /** UTC ISO-8601 instant. */
  sendAt: string | null;
  discountTier: DiscountTier | null;
  /** Channels to try, in order, if the chosen one fails to deliver. */
  fallbackChannels: PersonChannel[];
  /** Probabilities of the chosen action and of each of its parts under Thompson sampling. */
  propensities: { action: number; channel: number; tier: number; content: number; none: number; draws: number };
  /** Incremental value of the chosen action in the decisive draw. */
  sampledValueMinor: number;
  alternatives: ScoredAction[];
  reasons: string[];
  seed: string;
};

export type TimedChannel = {
  channel: PersonChannel;
  time: Extract<SendTimeResult, { ok: true }>;
  posterior: BetaParams;
  /** The pooled prior inside `posterior`, whose rate the decision's draw explores. */
  prior: BetaPrior;
  cost: number;
};

export function noAction(seed: string, reasons: string[]): Decision {
  return {
    version: MODEL_STATE_VERSION,
    action: 'none',
    contentType: null,
    channel: null,
    sendAt: null,
    discountTier: null,
    fallbackChannels: [],
    // Nothing random was drawn: sending nothing was certain.
    propensities: { action: 1, channel: 1, tier: 1, content: 1, none: 1, draws: 0 },
    sampledValueMinor: 0,
    alternatives: [],
    reasons,
    seed,
  };
}

export type SummaryInput = {
  seed: string;
  input: { contents: readonly ContentCandidate[]; maxAlternatives?: number };
  timed: readonly TimedChannel[];
  candidates: readonly Candidate[];
  chosen: number;
  chosenValue: number;
  wins: Float64Array;
  noneWins: number;
  rows: number;
  meanValue: (c: Candidate) => number;
  reasons: string[];
};

export function summarize(s: SummaryInput): Decision {
  const { candidates, timed, rows } = s;
  const scored = candidates.map((c, i) => describe(s, c, s.meanValue(c), s.wins[i]! / rows));
  const none: ScoredAction = {
    key: 'none', action: 'none', contentType: null, channel: null, discountTier: null, sendAt: null,
    expectedValueMinor: 0, winProbability: s.noneWins / rows,
  };
  // Stable sort: equal values keep the candidate order, which is the tie-break order.
  const alternatives = [none, ...scored].sort((a, b) => b.expectedValueMinor - a.expectedValueMinor).slice(0, s.input.maxAlternatives ?? 12);
  const share = (match: (c: Candidate) => boolean) =>
    candidates.reduce((sum, c, i) => sum + (match(c) ? s.wins[i]! : 0), 0) / rows;

  if (s.chosen === NONE) {
    const best = scored.slice().sort((a, b) => b.expectedValueMinor - a.expectedValueMinor)[0];
    return {
      ...noAction(s.seed, [
        ...s.reasons,
        `sending nothing: no action's sampled incremental value was above 0${best ? ` (best expected: ${best.key} at ${best.expectedValueMinor.toFixed(2)})` : ''}`,
      ]),
      propensities: { action: s.noneWins / rows, channel: 1, tier: 1, content: 1, none: s.noneWins / rows, draws: rows - 1 },
      alternatives,
    };
  }

  const c = candidates[s.chosen]!;
  const picked = scored[s.chosen]!;
  const mine = timed[c.channel]!;
  const fallback = timed
    .map((t, k) => ({ channel: t.channel, value: s.meanValue({ ...c, channel: k }) }))
    .filter((t) => t.channel !== mine.channel)
    .sort((a, b) => b.value - a.value)
    .map((t) => t.channel);
  return {
    version: MODEL_STATE_VERSION,
    action: 'send',
    contentType: picked.contentType,
    channel: mine.channel,
    sendAt: mine.time.sendAt,
    discountTier: picked.discountTier,
    fallbackChannels: fallback,
    propensities: {
      action: picked.winProbability,
      channel: share((x) => x.channel === c.channel),
      tier: share((x) => x.tier === c.tier),
      content: share((x) => x.content === c.content),
      none: s.noneWins / rows,
      draws: rows - 1,
    },
    sampledValueMinor: s.chosenValue,
    alternatives,
    reasons: [
      ...s.reasons,
      `send ${picked.key}: sampled incremental value ${s.chosenValue.toFixed(2)}, expected ${picked.expectedValueMinor.toFixed(2)} (minor units), won ${(picked.winProbability * 100).toFixed(1)} % of draws`,
      `send time: ${mine.time.why}`,
    ],
    seed: s.seed,
  };
}

function describe(s: SummaryInput, c: Candidate, value: number, winProbability: number): ScoredAction {
  const contentType = s.input.contents[c.content]!.type;
  const t = s.timed[c.channel]!;
  const tier = DISCOUNT_TIERS[c.tier]!;
  return {
    key: actionKey(contentType, t.channel, tier),
    action: 'send',
    contentType,
    channel: t.channel,
    discountTier: tier,
    sendAt: t.time.sendAt,
    expectedValueMinor: value,
    winProbability,
  };
}
