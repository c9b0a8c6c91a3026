// Paid-social audiences and ad-bid up-weights are bought for a segment, not sent to a person: one
// on/off Thompson draw per segment × channel on net value per member (value × P(convert) − cost).

import { betaMean } from '../core/beta.ts';
import type { DecayedCounts } from '../core/decay.ts';
import { DEFAULT_PROPENSITY_DRAWS, propensityFromWins } from '../core/propensity.ts';
import { Rng } from '../core/rng.ts';
import type { ShopModelState } from '../state.ts';
import { SEGMENT_CHANNELS, type SegmentChannel, type Stage } from '../types.ts';
import { channelPosterior, resolveChannelPrior } from './posterior.ts';

export type SegmentChannelInput = {
  shop: ShopModelState;
  /** Stage whose pooled prior applies; a segment usually is a stage. */
  stage: Stage;
  /** Converting vs not converting members targeted through each channel. */
  counts: Partial<Record<SegmentChannel, DecayedCounts>>;
  /** Value of one conversion in minor units. */
  valueMinor: number;
  now: string;
  seed: string | number;
  draws?: number;
};

export type SegmentChannelDecision = {
  channel: SegmentChannel;
  enabled: boolean;
  /** Probability of this on/off outcome under Thompson sampling. */
  propensity: number;
  expectedNetValueMinor: number;
  reason: string;
};

export function chooseSegmentChannels(input: SegmentChannelInput): SegmentChannelDecision[] {
  const { shop, stage, counts, valueMinor } = input;
  const rng = new Rng(input.seed);
  const nowMs = Date.parse(input.now);
  const draws = input.draws ?? DEFAULT_PROPENSITY_DRAWS;
  return SEGMENT_CHANNELS.map((channel) => {
    const post = channelPosterior(counts[channel], resolveChannelPrior(shop, channel, stage), nowMs, shop.halfLifeDays);
    const cost = shop.channelCostsMinor[channel] ?? 0;
    const worthIt = () => rng.beta(post.alpha, post.beta) * valueMinor - cost > 0;
    const enabled = worthIt();
    let same = 0;
    for (let i = 0; i < draws; i++) if (worthIt() === enabled) same++;
    const expected = betaMean(post) * valueMinor - cost;
    return {
      channel,
      enabled,
      propensity: propensityFromWins(same, draws),
      expectedNetValueMinor: expected,
      reason: `${channel} ${enabled ? 'on' : 'off'}: expected net value per member ${expected.toFixed(2)} (sampled ${enabled ? 'above' : 'below'} cost ${cost})`,
    };
  });
}
