import { describe, expect, it } from 'vitest';
import { explainCustomer } from './explain.ts';
import { defaultShopModelState, newCustomerModelState, newDiscountSegmentState } from './state.ts';

describe('explainCustomer', () => {
  it('reports stage, channel posteriors with intervals, send-time curves and tier margins', () => {
    const now = '2025-06-10T09:00:00Z';
    const shop = defaultShopModelState();
    shop.channelPriors.sms = { all: { rate: 0.1, strength: 10 } };
    const customer = {
      ...newCustomerModelState('Europe/Berlin', now),
      lifecycle: { stage: 'active' as const, why: '3 purchases', since: now },
      channels: { sms: { successes: 3, failures: 1, asOf: now } },
      sendTime: { sms: { hours: { '42': 20 }, asOf: now } },
    };
    const discount = {
      ...newDiscountSegmentState('seg', now),
      tiers: [[5, 95], [6, 94], [40, 60], [40, 60], [41, 59], [41, 59]].map(([s, f]) => ({ successes: s!, failures: f!, asOf: now })),
    };
    const e = explainCustomer({ customer, discount, now, basketValueMinor: 10_000, marginRate: 0.4 }, shop);

    expect(e.stage).toBe('active');
    const sms = e.channels.find((c) => c.channel === 'sms')!;
    expect(sms.mean).toBeCloseTo(4 / 14, 12);
    expect(sms.interval90[0]).toBeLessThan(sms.mean);
    expect(sms.interval90[1]).toBeGreaterThan(sms.mean);
    expect(sms).toMatchObject({ engaged: 3, ignored: 1, optedOut: false });

    const smsTime = e.sendTime.find((c) => c.channel === 'sms')!;
    expect(smsTime).toMatchObject({ bestHourOfWeek: 42, bestHourLabel: 'Tue 18:00', ownEvidence: 20 });
    expect(smsTime.curve.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);

    expect(e.discount.chosenTier).toBe(10);
    const t10 = e.discount.alternatives[2]!;
    expect(t10.expectedMarginMinor).toBeCloseTo(t10.conversionRate * 0.3 * 10_000, 9);
  });
});
