import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyStage, stageChanged, type Order } from './classify.ts';
import { DEFAULT_STAGE_THRESHOLDS, fitStageThresholds, repeatPurchaseGaps } from './thresholds.ts';

const thresholds = { atRiskAfterDays: 60, lapsedAfterDays: 180, gapsUsed: 100, shopWeight: 1 };
const now = '2025-06-01T00:00:00Z';
const daysAgo = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString();
const order = (d: number, valueMinor = 5000, refunded = false): Order => ({ at: daysAgo(d), valueMinor, refunded });

describe('fitStageThresholds', () => {
  it('uses the defaults when the shop has no repeat purchases', () => {
    expect(fitStageThresholds([])).toEqual(DEFAULT_STAGE_THRESHOLDS);
  });

  it('blends the shop quantiles with the defaults by how many gaps it has', () => {
    // gaps 1..30: q80 = 24.2, q95 = 28.55; 30 gaps against a default weight of 30 → half each.
    const t = fitStageThresholds(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(t.shopWeight).toBe(0.5);
    expect(t.atRiskAfterDays).toBeCloseTo(0.5 * 24.2 + 0.5 * 60, 10);
    expect(t.lapsedAfterDays).toBeCloseTo(0.5 * 28.55 + 0.5 * 180, 10);
  });

  it('follows the shop once it has plenty of data, and ignores invalid gaps', () => {
    const gaps = [...Array.from({ length: 10_000 }, (_, i) => (i % 100) + 1), -3, Number.NaN];
    const t = fitStageThresholds(gaps);
    expect(t.gapsUsed).toBe(10_000);
    expect(t.atRiskAfterDays).toBeGreaterThan(79);
    expect(t.atRiskAfterDays).toBeLessThan(81);
  });

  it('always keeps lapsed after at-risk', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true })), (gaps) => {
        const t = fitStageThresholds(gaps);
        expect(t.lapsedAfterDays).toBeGreaterThanOrEqual(t.atRiskAfterDays + 1);
      }),
    );
  });

  it('derives gaps from purchase times per customer', () => {
    expect(repeatPurchaseGaps([['2025-01-11T00:00:00Z', '2025-01-01T00:00:00Z'], ['2025-01-01T00:00:00Z']])).toEqual([10]);
  });
});

describe('classifyStage', () => {
  const classify = (orders: Order[], previousStage: Parameters<typeof classifyStage>[0]['previousStage'] = null) =>
    classifyStage({ orders, now, previousStage, thresholds });

  it('calls a customer without purchases new', () => {
    expect(classify([])).toMatchObject({ stage: 'new', recencyDays: null, frequency: 0 });
  });

  it('calls a recent first purchase new and a repeat buyer active', () => {
    expect(classify([order(5)]).stage).toBe('new');
    const active = classify([order(40, 1000), order(5, 2500)]);
    expect(active).toMatchObject({ stage: 'active', frequency: 2, monetaryMinor: 3500 });
    expect(active.why).toContain('2 purchases worth 3500');
  });

  it('moves to at-risk and lapsed at the thresholds', () => {
    expect(classify([order(60)]).stage).toBe('new');
    expect(classify([order(61)]).stage).toBe('at-risk');
    expect(classify([order(181)]).stage).toBe('lapsed');
    expect(classify([order(181)]).why).toContain('lapsed threshold of 180 days');
  });

  it('ignores refunded orders and orders after now', () => {
    expect(classify([order(200), order(3, 5000, true)]).stage).toBe('lapsed');
    expect(classify([order(200), order(-2)]).stage).toBe('lapsed');
  });

  it('calls a purchase by a lapsed customer won-back, and a further purchase active', () => {
    expect(classify([order(400), order(2)], 'lapsed').stage).toBe('won-back');
    // Recomputed without the previous stage, the lapsed-length gap still shows the win-back.
    expect(classify([order(400), order(2)], 'won-back').stage).toBe('won-back');
    expect(classify([order(400), order(20), order(2)], 'won-back').stage).toBe('active');
  });
});

describe('stageChanged', () => {
  it('describes a change and flags the win-back triggers', () => {
    expect(stageChanged('active', 'active')).toBeNull();
    expect(stageChanged('active', 'at-risk')).toEqual({
      from: 'active',
      to: 'at-risk',
      startsWinBack: true,
      description: 'lifecycle stage active → at-risk (starts win-back)',
    });
    expect(stageChanged('lapsed', 'won-back')?.startsWinBack).toBe(false);
  });
});
