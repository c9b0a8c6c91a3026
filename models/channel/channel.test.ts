import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { defaultShopModelState } from '../state.ts';
import { chooseChannel, fallbackOrder } from './choose.ts';
import { channelPosterior, eligibleChannels, priorFromShopRate, resolveChannelPrior } from './posterior.ts';
import { chooseSegmentChannels } from './segment.ts';

const now = '2025-06-01T00:00:00Z';
const nowMs = Date.parse(now);

describe('channel posterior', () => {
  it('adds decayed counts to the pooled prior', () => {
    const prior = { rate: 0.1, strength: 10 };
    expect(channelPosterior(undefined, prior, nowMs, 90)).toEqual({ alpha: 1, beta: 9 });
    expect(channelPosterior({ successes: 3, failures: 1, asOf: now }, prior, nowMs, 90)).toEqual({ alpha: 4, beta: 10 });
    // Ninety days later with a 90-day half-life the customer's own evidence counts half.
    const later = nowMs + 90 * 86_400_000;
    const p = channelPosterior({ successes: 3, failures: 1, asOf: now }, prior, later, 90);
    expect(p.alpha).toBeCloseTo(2.5, 12);
    expect(p.beta).toBeCloseTo(9.5, 12);
  });

  it('pools the prior by stage, then channel, then a fallback', () => {
    const shop = defaultShopModelState();
    shop.channelPriors.sms = { all: { rate: 0.05, strength: 20 }, byStage: { lapsed: { rate: 0.01, strength: 20 } } };
    expect(resolveChannelPrior(shop, 'sms', 'lapsed')).toEqual({ rate: 0.01, strength: 20 });
    expect(resolveChannelPrior(shop, 'sms', 'active')).toEqual({ rate: 0.05, strength: 20 });
    delete shop.channelPriors.push;
    expect(resolveChannelPrior(shop, 'push', 'active')).toEqual({ rate: 0.02, strength: 2 });
  });

  it('derives a shop prior capped at the effective sample size', () => {
    expect(priorFromShopRate(48, 998, 20)).toEqual({ rate: 0.049, strength: 20 });
    expect(priorFromShopRate(0, 0, 20)).toEqual({ rate: 0.5, strength: 2 });
  });

  it('only offers channels with consent, an address and no opt-out, in canonical order', () => {
    expect(eligibleChannels({ consents: ['push', 'sms', 'email'], reachable: ['email', 'sms', 'whatsapp', 'push'], optedOut: ['push'] })).toEqual([
      'email',
      'sms',
    ]);
  });
});

describe('chooseChannel', () => {
  const costsMinor = { email: 0, sms: 5, whatsapp: 0, push: 0 };

  it('prefers the channel a customer only ever clicks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 60 }), fc.string(), (sends, seed) => {
        const prior = { rate: 0.05, strength: 10 };
        const posteriors = {
          email: channelPosterior({ successes: 0, failures: sends, asOf: now }, prior, nowMs, 90),
          sms: channelPosterior({ successes: sends, failures: 0, asOf: now }, prior, nowMs, 90),
          push: channelPosterior({ successes: 0, failures: sends, asOf: now }, prior, nowMs, 90),
        };
        const choice = chooseChannel({ eligible: ['email', 'sms', 'push'], posteriors, valueMinor: 4000, costsMinor, rng: new Rng(seed) });
        expect(choice.channel).toBe('sms');
        expect(choice.propensity).toBeGreaterThan(0.95);
        expect(choice.fallback).toHaveLength(2);
      }),
    );
  });

  it('estimates the propensity of an even choice near one half, and matches how often it is chosen', () => {
    const posteriors = { email: { alpha: 3, beta: 30 }, whatsapp: { alpha: 3, beta: 30 } };
    const input = { eligible: ['email', 'whatsapp'] as const, posteriors, valueMinor: 1000, costsMinor };
    let emails = 0;
    let propensitySum = 0;
    for (let i = 0; i < 300; i++) {
      const c = chooseChannel({ ...input, rng: new Rng(`even-${i}`) });
      if (c.channel === 'email') emails++;
      propensitySum += c.propensity;
    }
    expect(emails / 300).toBeGreaterThan(0.4);
    expect(emails / 300).toBeLessThan(0.6);
    expect(propensitySum / 300).toBeCloseTo(0.5, 1);
  });

  it('orders fallbacks by expected net value, costs included', () => {
    const posteriors = { email: { alpha: 1, beta: 99 }, sms: { alpha: 3, beta: 97 }, whatsapp: { alpha: 2, beta: 98 } };
    // Expected net: email 10 − 0, sms 30 − 25 = 5, whatsapp 20 − 0.
    expect(fallbackOrder({ eligible: ['email', 'sms', 'whatsapp'], posteriors, valueMinor: 1000, costsMinor: { sms: 25 } }, null)).toEqual([
      'whatsapp',
      'email',
      'sms',
    ]);
  });

  it('returns no channel when none is eligible', () => {
    expect(chooseChannel({ eligible: [], posteriors: {}, valueMinor: 1, costsMinor, rng: new Rng(1) })).toEqual({ channel: null, propensity: 1, fallback: [] });
  });
});

describe('chooseSegmentChannels', () => {
  it('buys the audience where conversions pay for it and not where they do not', () => {
    const shop = defaultShopModelState();
    shop.channelCostsMinor = { audience: 10, adbid: 10 };
    const decisions = chooseSegmentChannels({
      shop,
      stage: 'lapsed',
      counts: { audience: { successes: 300, failures: 700, asOf: now }, adbid: { successes: 1, failures: 999, asOf: now } },
      valueMinor: 500,
      now,
      seed: 'segment-lapsed',
    });
    expect(decisions.map((d) => [d.channel, d.enabled])).toEqual([
      ['audience', true],
      ['adbid', false],
    ]);
    expect(decisions[0]!.expectedNetValueMinor).toBeCloseTo((300.1 / 1010) * 500 - 10, 6);
    expect(decisions.every((d) => d.propensity > 0.95)).toBe(true);
  });
});
