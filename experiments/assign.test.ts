import { describe, expect, it } from 'vitest';
import { assignmentUnit, assignVariant } from './assign.ts';

const experiment = {
  salt: 'salt-1',
  holdoutShare: 0.1,
  variants: [
    { key: 'control', weight: 1, changes: {} },
    { key: 'urgent', weight: 2, changes: { copyStyle: 'urgent' } },
  ],
};
const customers = Array.from({ length: 100_000 }, (_, i) => `cus_${i.toString(36).padStart(6, '0')}`);

describe('sticky assignment', () => {
  it('gives every customer the same arm on every call', () => {
    const first = customers.map((c) => assignVariant(experiment, c).variant);
    const again = customers.map((c) => assignVariant({ ...experiment, variants: experiment.variants.map((v) => ({ ...v })) }, c).variant);
    expect(again).toEqual(first);
  });

  it('splits 100,000 customers in proportion to holdout share and weights', () => {
    const counts = new Map<string, number>();
    for (const c of customers) {
      const a = assignVariant(experiment, c).variant;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    const expected = { holdout: 0.1, control: 0.3, urgent: 0.6 };
    for (const [arm, share] of Object.entries(expected)) {
      // Four binomial standard deviations: a correct split fails this about once in 15,000 runs.
      const sd = Math.sqrt(customers.length * share * (1 - share));
      expect(Math.abs((counts.get(arm) ?? 0) - customers.length * share)).toBeLessThan(4 * sd);
    }
  });

  it('logs the probability of the arm each customer landed in', () => {
    expect(new Set(customers.slice(0, 2000).map((c) => {
      const a = assignVariant(experiment, c);
      return `${a.variant}=${a.propensity.toFixed(6)}`;
    }))).toEqual(new Set(['holdout=0.100000', 'control=0.300000', 'urgent=0.600000']));
  });

  it('splits independently in two experiments with different salts', () => {
    const other = { ...experiment, salt: 'salt-2', holdoutShare: 0 , variants: [{ key: 'x', weight: 1, changes: {} }, { key: 'y', weight: 1, changes: {} }] };
    let bothX = 0;
    let urgentInFirst = 0;
    for (const c of customers) {
      const inUrgent = assignVariant(experiment, c).variant === 'urgent';
      if (inUrgent) urgentInFirst++;
      if (inUrgent && assignVariant(other, c).variant === 'x') bothX++;
    }
    // Independent: half of the first experiment's "urgent" customers get "x" in the second.
    expect(Math.abs(bothX / urgentInFirst - 0.5)).toBeLessThan(0.015);
  });

  it('maps to [0, 1) uniformly', () => {
    const units = customers.slice(0, 20_000).map((c) => assignmentUnit('s', c));
    expect(Math.min(...units)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...units)).toBeLessThan(1);
    const mean = units.reduce((a, b) => a + b, 0) / units.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('puts nobody in the holdout when its share is 0', () => {
    expect(customers.slice(0, 5000).some((c) => assignVariant({ ...experiment, holdoutShare: 0 }, c).holdout)).toBe(false);
  });
});
