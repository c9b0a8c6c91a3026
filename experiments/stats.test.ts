import { describe, expect, it } from 'vitest';
import { expectedLoss, liftOverHoldout, probabilityBest, ratePosterior, stoppingAdvice } from './stats.ts';

const beta = (alpha: number, b: number) => ({ alpha, beta: b });

describe('rate posteriors', () => {
  it('adds successes and failures to a uniform prior', () => {
    const p = ratePosterior(3, 10);
    expect(p).toMatchObject({ alpha: 4, beta: 8, successes: 3, trials: 10 });
    expect(p.mean).toBeCloseTo(4 / 12, 12);
    // Beta(1, 1) after no data is uniform: its 95 % interval is [0.025, 0.975].
    expect(ratePosterior(0, 0).interval[0]).toBeCloseTo(0.025, 9);
    expect(ratePosterior(0, 0).interval[1]).toBeCloseTo(0.975, 9);
  });
  it('refuses impossible counts', () => {
    expect(() => ratePosterior(5, 4)).toThrow(/successes <= trials/);
  });
});

describe('probability of being best', () => {
  it('is 1/2 for two identical posteriors and 1/3 for three', () => {
    expect(probabilityBest([beta(5, 20), beta(5, 20)]).map((p) => +p.toFixed(6))).toEqual([0.5, 0.5]);
    for (const p of probabilityBest([beta(3, 9), beta(3, 9), beta(3, 9)])) expect(p).toBeCloseTo(1 / 3, 6);
  });
  it('matches P(X > Y) = 2/3 for X ~ Beta(2,1), Y ~ Beta(1,1) (∫ 2x · x dx)', () => {
    const [x, y] = probabilityBest([beta(2, 1), beta(1, 1)]);
    expect(x).toBeCloseTo(2 / 3, 6);
    expect(y).toBeCloseTo(1 / 3, 6);
  });
  it('matches the closed form for integer parameters (Evan Miller)', () => {
    // P(pB > pA) = Σ_{i<αB} B(αA+i, βA+βB) / ((βB+i) B(1+i, βB) B(αA, βA))
    const lb = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b);
    const A = beta(30, 970);
    const B = beta(45, 955);
    let closed = 0;
    for (let i = 0; i < B.alpha; i++) closed += Math.exp(lb(A.alpha + i, A.beta + B.beta) - Math.log(B.beta + i) - lb(1 + i, B.beta) - lb(A.alpha, A.beta));
    expect(probabilityBest([A, B])[1]).toBeCloseTo(closed, 5);
  });
});

describe('expected loss', () => {
  it('is 1/6 for each of two uniform posteriors (E[max of two uniforms] = 2/3)', () => {
    for (const l of expectedLoss([beta(1, 1), beta(1, 1)])) expect(l).toBeCloseTo(1 / 6, 6);
  });
  it('is 1/12 and 1/4 for Beta(2,1) against Beta(1,1) (E[max] = 1 − ∫ x²·x dx = 3/4)', () => {
    const [a, b] = expectedLoss([beta(2, 1), beta(1, 1)]);
    expect(a).toBeCloseTo(3 / 4 - 2 / 3, 6);
    expect(b).toBeCloseTo(3 / 4 - 1 / 2, 6);
  });
});

describe('lift over the holdout (mixture SPRT)', () => {
  it('computes the always-valid p-value and interval by the formulas', () => {
    const lift = liftOverHoldout({ successes: 300, trials: 10_000 }, { successes: 200, trials: 10_000 }, { alpha: 0.05, tau: 0.01 })!;
    const s1 = 300.5 / 10_001;
    const s0 = 200.5 / 10_001;
    const v = (s1 * (1 - s1)) / 10_000 + (s0 * (1 - s0)) / 10_000;
    const t2 = 1e-4;
    const lambda = Math.sqrt(v / (v + t2)) * Math.exp((t2 * 0.01 ** 2) / (2 * v * (v + t2)));
    expect(lift.absolute).toBeCloseTo(0.01, 12);
    expect(lift.relative).toBeCloseTo(0.5, 12);
    expect(lift.pValue).toBeCloseTo(1 / lambda, 10);
    const half = Math.sqrt(((v * (v + t2)) / t2) * (2 * Math.log(20) + Math.log((v + t2) / v)));
    expect(lift.interval[0]).toBeCloseTo(0.01 - half, 12);
    expect(lift.interval[1]).toBeCloseTo(0.01 + half, 12);
    expect(lift.significant).toBe(true);
    // The interval excludes 0 exactly when the test rejects.
    expect(lift.interval[0] > 0).toBe(lift.significant);
  });
  it('is not significant for equal rates and says nothing without a holdout', () => {
    const lift = liftOverHoldout({ successes: 20, trials: 1000 }, { successes: 20, trials: 1000 })!;
    expect(lift.absolute).toBe(0);
    expect(lift.pValue).toBe(1);
    expect(lift.interval[0]).toBeLessThan(0);
    expect(lift.interval[1]).toBeGreaterThan(0);
    expect(liftOverHoldout({ successes: 1, trials: 10 }, { successes: 0, trials: 0 })).toBeNull();
  });
  it('keeps the interval within [-1, 1] on tiny samples', () => {
    const lift = liftOverHoldout({ successes: 2, trials: 3 }, { successes: 0, trials: 3 })!;
    expect(lift.interval).toEqual([-1, 1]);
    expect(lift.significant).toBe(false);
  });
  it('keeps the false-alarm rate under alpha when an A/A test is looked at after every 100 customers', () => {
    // 200 simulated A/A experiments, each checked 100 times; a fixed-horizon z-test peeked at this
    // often would raise false alarms in far more than 5 % of them.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let alarms = 0;
    for (let run = 0; run < 200; run++) {
      let a = 0;
      let b = 0;
      for (let look = 1; look <= 100; look++) {
        for (let i = 0; i < 100; i++) {
          if (random() < 0.05) a++;
          if (random() < 0.05) b++;
        }
        if (liftOverHoldout({ successes: a, trials: look * 100 }, { successes: b, trials: look * 100 })!.significant) {
          alarms++;
          break;
        }
      }
    }
    expect(alarms / 200).toBeLessThanOrEqual(0.05);
  });
});

describe('stopping advice', () => {
  const lift = (absolute: number, pValue: number) => ({ absolute, relative: null, interval: [0, 0] as [number, number], pValue, significant: pValue < 0.05 });
  it('stops when the best variant beats the holdout', () => {
    expect(stoppingAdvice([{ key: 'a', exposed: 50, expectedLoss: 0.01, lift: lift(0.02, 0.01) }])).toMatchObject({ stop: true, winner: 'a' });
  });
  it('waits for enough customers before a Bayesian stop', () => {
    const arms = [{ key: 'a', exposed: 100, expectedLoss: 0.0001, lift: null }, { key: 'b', exposed: 300, expectedLoss: 0.01, lift: null }];
    expect(stoppingAdvice(arms)).toMatchObject({ stop: false, reason: expect.stringContaining('a') });
    arms[0]!.exposed = 300;
    expect(stoppingAdvice(arms)).toMatchObject({ stop: true, winner: 'a' });
  });
});

function lgamma(z: number): number {
  // Stirling series, independent of the implementation under test; exact enough for z >= 1.
  if (z < 7) return lgamma(z + 1) - Math.log(z);
  return (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * z) - 1 / (360 * z ** 3) + 1 / (1260 * z ** 5);
}
