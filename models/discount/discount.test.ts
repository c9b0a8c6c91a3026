import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultShopModelState, newDiscountSegmentState, type DiscountSegmentState } from '../state.ts';
import { DISCOUNT_TIERS, type DiscountTier } from '../types.ts';
import { chooseTier } from './choose.ts';
import { allowedTierMask } from './guardrails.ts';
import { addTierObservation, tierPosteriorMeans, tierPosteriors } from './posterior.ts';

const now = '2025-06-01T00:00:00Z';
const nowMs = Date.parse(now);
const flatPrior = { rate: 0.5, strength: 2 }; // Beta(1, 1) per tier

function segment(counts: [number, number][]): DiscountSegmentState {
  return { ...newDiscountSegmentState('s', now), tiers: counts.map(([successes, failures]) => ({ successes, failures, asOf: now })) };
}

describe('monotone tier posterior', () => {
  it('pools tiers that violate the order (hand-computed)', () => {
    // Tier 0: Beta(4, 2), tier 5: Beta(1, 3); pooled (4 + 1) / (6 + 4) = 0.5 = the flat tiers above.
    const s = segment([[3, 1], [0, 2], [0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(tierPosteriorMeans(tierPosteriors(s, flatPrior, nowMs, 90))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const t = segment([[1, 7], [0, 8], [5, 5], [0, 0], [0, 0], [9, 1]]);
    // Tiers 0 and 5: (2 + 1) / (10 + 10) = 0.15; tiers 10 and 15: (6 + 1) / (12 + 2) = 0.5; tier 25: 10/12.
    const means = tierPosteriorMeans(tierPosteriors(t, flatPrior, nowMs, 90));
    [0.15, 0.15, 0.5, 0.5, 0.5, 10 / 12].forEach((m, i) => expect(means[i]).toBeCloseTo(m, 12));
  });

  it('never lowers a tier mean when that tier gains a conversion', () => {
    const counts = fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(counts, { minLength: 6, maxLength: 6 }),
        fc.constantFrom(...DISCOUNT_TIERS),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (c, tier, rate, strength) => {
          const before = segment(c);
          const after = addTierObservation(before, tier, true, nowMs, 90);
          const prior = { rate, strength };
          const i = DISCOUNT_TIERS.indexOf(tier);
          const m0 = tierPosteriorMeans(tierPosteriors(before, prior, nowMs, 90));
          const m1 = tierPosteriorMeans(tierPosteriors(after, prior, nowMs, 90));
          expect(m1[i]!).toBeGreaterThanOrEqual(m0[i]! - 1e-12);
          for (let k = 1; k < 6; k++) expect(m1[k]!).toBeGreaterThanOrEqual(m1[k - 1]! - 1e-12);
        },
      ),
    );
  });
});

describe('guardrails', () => {
  it('caps at the maximum tier and at the margin floor; no discount is always allowed', () => {
    expect(allowedTierMask({ maxTier: 10, marginFloor: 0.15, wouldBuyAnywayConfidence: 0.9 }, 0.3)).toEqual([true, true, true, false, false, false]);
    expect(allowedTierMask({ maxTier: 25, marginFloor: 0.15, wouldBuyAnywayConfidence: 0.9 }, 0.25)).toEqual([true, true, true, false, false, false]);
    expect(allowedTierMask({ maxTier: 25, marginFloor: 0.5, wouldBuyAnywayConfidence: 0.9 }, 0.25)).toEqual([true, false, false, false, false, false]);
  });
});

describe('chooseTier', () => {
  const shop = defaultShopModelState();
  const choose = (s: DiscountSegmentState, seed: string, marginRate = 0.4) =>
    chooseTier({ segment: s, shop, marginRate, basketValueMinor: 10_000, now, seed });

  it('gives no discount to a segment that buys anyway', () => {
    const s = segment([[900, 100], [920, 80], [920, 80], [920, 80], [920, 80], [920, 80]]);
    for (const seed of ['a', 'b', 'c']) {
      const c = choose(s, seed);
      expect(c).toMatchObject({ tier: 0, propensity: 1, wouldBuyAnyway: true });
    }
  });

  it('offers the discount that clearly pays, within the guardrails', () => {
    // 10 % lifts conversion from 5 % to 40 %: 0.40 × 0.30 ≫ 0.05 × 0.40.
    const s = segment([[5, 95], [6, 94], [40, 60], [40, 60], [41, 59], [41, 59]]);
    const c = choose(s, 'x');
    expect(c.wouldBuyAnyway).toBe(false);
    expect(c.tier).toBe(10);
    expect(c.propensity).toBeGreaterThan(0.8);
    const best = c.alternatives.reduce((a, b) => (b.expectedMarginMinor > a.expectedMarginMinor ? b : a));
    expect(best.tier).toBe(10);
    // With a 22 % margin and a 10 % floor only tiers 0, 5 and 10 remain.
    const narrow = choose(s, 'x', 0.22);
    expect([0, 5, 10]).toContain(narrow.tier);
    expect(narrow.alternatives.filter((a) => a.allowed).map((a) => a.tier)).toEqual([0, 5, 10]);
  });

  it('explores under uncertainty, and the propensities of its choices are calibrated', () => {
    const s = newDiscountSegmentState('fresh', now);
    const seen = new Map<DiscountTier, number>();
    const propensity = new Map<DiscountTier, number>();
    for (let i = 0; i < 300; i++) {
      const c = choose(s, `explore-${i}`);
      seen.set(c.tier, (seen.get(c.tier) ?? 0) + 1);
      propensity.set(c.tier, c.propensity);
    }
    expect(seen.size).toBeGreaterThan(2);
    // Each tier's share of choices matches the propensity the model reported for it.
    for (const [tier, count] of seen) expect(Math.abs(count / 300 - propensity.get(tier)!)).toBeLessThan(0.1);
  });
});
