import { describe, expect, it } from 'vitest';
import { betaInterval, betaQuantile, regularizedBeta } from './beta.ts';
import { addObservation, countsAt, DAY_MS, weightSquaresAt } from './decay.ts';
import { isotonicIncreasing } from './isotonic.ts';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('replays the same stream from the same seed and a different one from another seed', () => {
    const a = new Rng('customer-1');
    const b = new Rng('customer-1');
    const c = new Rng('customer-2');
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it.each([
    [0.3, 9.7],
    [2, 5],
    [40, 60],
    [0.05, 0.05],
  ])('draws Beta(%f, %f) with the right mean and variance', (a, b) => {
    const rng = new Rng(`beta-${a}-${b}`);
    const n = 40_000;
    let sum = 0;
    let sumSq = 0;
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const x = rng.beta(a, b);
      inRange &&= x >= 0 && x <= 1;
      sum += x;
      sumSq += x * x;
    }
    expect(inRange).toBe(true);
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    // Five standard errors of the mean: a wrong sampler misses, a right one passes for any seed.
    expect(Math.abs(sum / n - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(variance, 2);
  });

  it('draws Gamma(k) with mean k', () => {
    const rng = new Rng('gamma');
    for (const k of [0.2, 1, 3.5]) {
      let sum = 0;
      for (let i = 0; i < 40_000; i++) sum += rng.gamma(k);
      expect(Math.abs(sum / 40_000 - k)).toBeLessThan(5 * Math.sqrt(k / 40_000));
    }
  });
});

describe('beta distribution', () => {
  it('matches closed forms: Beta(1,1) is uniform, Beta(2,1) has CDF x²', () => {
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 10);
    expect(regularizedBeta(0.5, 2, 1)).toBeCloseTo(0.25, 10);
    expect(betaQuantile({ alpha: 2, beta: 1 }, 0.25)).toBeCloseTo(0.5, 8);
    expect(betaQuantile({ alpha: 1, beta: 1 }, 0.9)).toBeCloseTo(0.9, 8);
  });

  it('gives a symmetric 90 % interval for a symmetric posterior', () => {
    const [lo, hi] = betaInterval({ alpha: 10, beta: 10 }, 0.9);
    expect(lo + hi).toBeCloseTo(1, 8);
    expect(regularizedBeta(lo, 10, 10)).toBeCloseTo(0.05, 8);
  });
});

describe('decayed counts', () => {
  const t0 = Date.parse('2025-01-01T00:00:00Z');

  it('halves evidence after one half-life', () => {
    const c = addObservation(addObservation(undefined, true, t0, 30), false, t0, 30);
    expect(countsAt(c, t0 + 30 * DAY_MS, 30)).toEqual({ successes: 0.5, failures: 0.5 });
  });

  it('does not depend on the order observations arrive in', () => {
    const times = [t0, t0 + 10 * DAY_MS, t0 + 3 * DAY_MS];
    const inOrder = [0, 2, 1].reduce<ReturnType<typeof addObservation> | undefined>((c, i) => addObservation(c, i !== 1, times[i]!, 30), undefined);
    const shuffled = [1, 0, 2].reduce<ReturnType<typeof addObservation> | undefined>((c, i) => addObservation(c, i !== 1, times[i]!, 30), undefined);
    const at = t0 + 20 * DAY_MS;
    expect(countsAt(shuffled, at, 30).successes).toBeCloseTo(countsAt(inOrder, at, 30).successes, 12);
    expect(countsAt(shuffled, at, 30).failures).toBeCloseTo(countsAt(inOrder, at, 30).failures, 12);
    expect(weightSquaresAt(shuffled, at, 30)).toBeCloseTo(weightSquaresAt(inOrder, at, 30), 12);
  });

  it('keeps the sum of squared weights, which tells a few old observations from one new one', () => {
    // Four observations two half-lives old weigh 4 × 0.25 = 1 in all, like one fresh observation,
    // but their squares add up to 4 × 0.0625 = 0.25.
    const old = [0, 1, 2, 3].reduce<ReturnType<typeof addObservation> | undefined>((c, i) => addObservation(c, i === 0, t0 + i * 1000, 30), undefined);
    const at = t0 + 3000 + 60 * DAY_MS;
    const c = countsAt(old, at, 30);
    expect(c.successes + c.failures).toBeCloseTo(1, 6);
    expect(weightSquaresAt(old, at, 30)).toBeCloseTo(0.25, 6);
    expect(weightSquaresAt(addObservation(undefined, true, at, 30), at, 30)).toBe(1);
    // Counts stored without squares are read as ⌈n⌉ observations of equal weight.
    expect(weightSquaresAt({ successes: 1, failures: 0.5, asOf: new Date(t0).toISOString() }, t0, 30)).toBeCloseTo(1.5 * 1.5 / 2, 12);
    expect(weightSquaresAt(undefined, t0, 30)).toBe(0);
  });
});

describe('isotonicIncreasing', () => {
  it('pools adjacent violators with their weights', () => {
    const out = [0, 0, 0, 0];
    isotonicIncreasing([1, 3, 2, 4], [1, 1, 1, 1], out);
    expect(out).toEqual([1, 2.5, 2.5, 4]);
    isotonicIncreasing([0.2, 0.1, 0.5], [10, 10, 1], out, 3);
    expect(out.slice(0, 3).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0.15, 0.15, 0.5]);
    isotonicIncreasing([5, 4, 3], [1, 1, 2], out, 3);
    expect(out.slice(0, 3)).toEqual([3.75, 3.75, 3.75]);
  });
});
