import { describe, expect, it } from 'vitest';
import { Rng } from './core/rng.ts';
import { doublyRobustEstimate, ipsEstimate, snipsEstimate, type DoublyRobustRecord } from './offpolicy.ts';

describe('off-policy estimates', () => {
  it('match hand-computed values', () => {
    const records = [
      { loggedPropensity: 0.5, targetProbability: 1, reward: 2 },
      { loggedPropensity: 0.25, targetProbability: 0, reward: 10 },
    ];
    expect(ipsEstimate(records)).toMatchObject({ value: 2, effectiveSampleSize: 1, count: 2 });
    expect(snipsEstimate(records).value).toBe(2);
    expect(ipsEstimate(records, { maxWeight: 1.5 }).value).toBe(1.5);
    const dr = doublyRobustEstimate(records.map((r) => ({ ...r, predictedReward: 1, targetPredictedReward: 1.5 })));
    // Terms: 1.5 + 2·(2 − 1) = 3.5 and 1.5 + 0 = 1.5.
    expect(dr.value).toBe(2.5);
  });

  it('recover the value of a different policy from logs of a random one', () => {
    // Logging: uniform over two arms converting 30 % and 60 %. Target: always arm 1, worth 0.6.
    const rng = new Rng('offpolicy');
    const records: DoublyRobustRecord[] = [];
    for (let i = 0; i < 20_000; i++) {
      const arm = rng.next() < 0.5 ? 0 : 1;
      const reward = rng.next() < (arm === 0 ? 0.3 : 0.6) ? 1 : 0;
      // A deliberately wrong reward model (0.5 everywhere): DR must still be unbiased through the weights.
      records.push({ loggedPropensity: 0.5, targetProbability: arm === 1 ? 1 : 0, reward, predictedReward: 0.5, targetPredictedReward: 0.5 });
    }
    for (const estimate of [ipsEstimate(records), snipsEstimate(records), doublyRobustEstimate(records)]) {
      expect(Math.abs(estimate.value - 0.6)).toBeLessThan(4 * estimate.standardError);
      expect(estimate.standardError).toBeLessThan(0.02);
    }
  });

  it('refuses a zero logged propensity with an actionable message', () => {
    expect(() => ipsEstimate([{ loggedPropensity: 0, targetProbability: 1, reward: 1 }])).toThrow(/propensity must be > 0/);
  });
});
