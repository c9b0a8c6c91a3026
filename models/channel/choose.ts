// Thompson sampling over channels on expected net value: value of a conversion × P(engage) − cost of
// the send. decideAction samples channels jointly with content and tier; this is the same choice on
// its own, for callers that only need a channel (e.g. a re-send after a failure).

import { betaMean, type BetaParams } from '../core/beta.ts';
import { DEFAULT_PROPENSITY_DRAWS, propensityFromWins } from '../core/propensity.ts';
import type { Rng } from '../core/rng.ts';
import type { PersonChannel } from '../types.ts';

export type ChannelChoiceInput = {
  /** Candidate channels in a fixed order; ties go to the earlier one. */
  eligible: readonly PersonChannel[];
  posteriors: Partial<Record<PersonChannel, BetaParams>>;
  /** Value of one engagement that converts, in minor units. */
  valueMinor: number;
  costsMinor: Partial<Record<PersonChannel, number>>;
  rng: Rng;
  draws?: number;
};

export type ChannelChoice = {
  channel: PersonChannel | null;
  /** Probability that Thompson sampling picks this channel, estimated by repeating the draw. */
  propensity: number;
  /** The other eligible channels, best expected net value first: what to try when a send fails. */
  fallback: PersonChannel[];
};

export function chooseChannel(input: ChannelChoiceInput): ChannelChoice {
  const { eligible } = input;
  if (eligible.length === 0) return { channel: null, propensity: 1, fallback: [] };
  const chosen = thompsonChannelIndex(input);
  const draws = input.draws ?? DEFAULT_PROPENSITY_DRAWS;
  let wins = 0;
  for (let i = 0; i < draws; i++) if (thompsonChannelIndex(input) === chosen) wins++;
  const channel = eligible[chosen]!;
  return {
    channel,
    propensity: propensityFromWins(wins, draws),
    fallback: fallbackOrder(input, channel),
  };
}

function thompsonChannelIndex({ eligible, posteriors, valueMinor, costsMinor, rng }: ChannelChoiceInput): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < eligible.length; i++) {
    const ch = eligible[i]!;
    const p = posteriors[ch] ?? UNIFORM;
    const value = rng.beta(p.alpha, p.beta) * valueMinor - (costsMinor[ch] ?? 0);
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

/** Eligible channels other than `chosen`, by posterior-mean net value; equal values keep input order. */
export function fallbackOrder(
  { eligible, posteriors, valueMinor, costsMinor }: Pick<ChannelChoiceInput, 'eligible' | 'posteriors' | 'valueMinor' | 'costsMinor'>,
  chosen: PersonChannel | null,
): PersonChannel[] {
  const net = (ch: PersonChannel) => betaMean(posteriors[ch] ?? UNIFORM) * valueMinor - (costsMinor[ch] ?? 0);
  return eligible.filter((ch) => ch !== chosen).sort((a, b) => net(b) - net(a));
}

const UNIFORM: BetaParams = { alpha: 1, beta: 1 };
