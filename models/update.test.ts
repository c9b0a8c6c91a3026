import { describe, expect, it } from 'vitest';
import { newCustomerModelState, newDiscountSegmentState } from './state.ts';
import { recordSiteActivity, RECENT_SEND_LIMIT, updateOnOutcome, type Outcome, type OutcomeState } from './update.ts';

const t0 = '2025-06-10T16:30:00Z'; // Tuesday 18:30 in Berlin: hour of week 42
const fresh = (): OutcomeState => ({ customer: newCustomerModelState('Europe/Berlin', t0), discount: newDiscountSegmentState('seg', t0) });
const outcome = (kind: Outcome['kind'], over: Partial<Outcome> = {}): Outcome => ({ sendId: 'send-1', kind, channel: 'sms', at: t0, discountTier: 10, ...over });
const apply = (state: OutcomeState, ...outcomes: Outcome[]) => outcomes.reduce(updateOnOutcome, state);

describe('updateOnOutcome', () => {
  it('counts a click as engagement at its local hour, and no discount evidence yet', () => {
    const s = apply(fresh(), outcome('delivered'), outcome('opened'), outcome('clicked'));
    expect(s.customer.channels.sms).toEqual({ successes: 1, failures: 0, asOf: '2025-06-10T16:30:00.000Z', squares: 1 });
    expect(s.customer.sendTime.sms?.hours).toEqual({ '42': 1 });
    expect(s.discount!.tiers.every((t) => t.successes === 0 && t.failures === 0)).toBe(true);
  });

  it('counts click then conversion as one engagement and one conversion at the tier', () => {
    const s = apply(fresh(), outcome('clicked'), outcome('converted', { at: '2025-06-10T17:00:00Z' }));
    expect(s.customer.channels.sms!.successes).toBe(1);
    expect(s.discount!.tiers[2]!.successes).toBe(1);
    expect(s.discount!.tiers[2]!.failures).toBe(0);
  });

  it('treats opens as no evidence and an ignored send as a failure', () => {
    const s = apply(fresh(), outcome('opened'), outcome('no_response', { at: '2025-06-13T16:30:00Z' }));
    expect(s.customer.channels.sms!.successes).toBe(0);
    expect(s.customer.channels.sms!.failures).toBe(1);
    expect(s.customer.sendTime.sms).toBeUndefined();
    // Not engaged: no evidence about the discount.
    expect(s.discount!.tiers[2]!.failures).toBe(0);
  });

  it('records a click without a sale as a failure of the tier', () => {
    const s = apply(fresh(), outcome('clicked'), outcome('no_response', { at: '2025-06-13T16:30:00Z' }));
    expect(s.discount!.tiers[2]).toEqual({ successes: 0, failures: 1, asOf: '2025-06-13T16:30:00.000Z', squares: 1 });
    expect(s.customer.channels.sms!.failures).toBe(0);
  });

  it('is idempotent: re-applying an outcome (an activity retry) changes nothing', () => {
    const once = apply(fresh(), outcome('clicked'), outcome('converted'));
    expect(apply(once, outcome('converted'), outcome('clicked'))).toBe(once);
  });

  it('ignores a conversion after the attribution window closed', () => {
    const s = apply(fresh(), outcome('no_response'), outcome('converted'));
    expect(s.customer.channels.sms).toMatchObject({ successes: 0, failures: 1 });
    expect(s.discount!.tiers[2]!.successes).toBe(0);
  });

  it('opts the channel out on unsubscribe', () => {
    const s = apply(fresh(), outcome('unsubscribed'));
    expect(s.customer.optedOut).toEqual(['sms']);
    expect(s.customer.channels.sms!.failures).toBe(1);
  });

  it('works without a discount state and bounds the remembered sends', () => {
    let s: OutcomeState = { customer: newCustomerModelState('Europe/Berlin', t0) };
    for (let i = 0; i < RECENT_SEND_LIMIT + 5; i++) s = updateOnOutcome(s, outcome('clicked', { sendId: `s${i}` }));
    expect(s.discount).toBeUndefined();
    expect(s.customer.recentSends).toHaveLength(RECENT_SEND_LIMIT);
    expect(s.customer.channels.sms!.successes).toBe(RECENT_SEND_LIMIT + 5);
  });
});

describe('recordSiteActivity', () => {
  it('adds a visit at its local hour of week', () => {
    const c = recordSiteActivity(newCustomerModelState('America/New_York', t0), '2025-06-02T03:15:00Z');
    expect(c.siteActivity?.hours).toEqual({ [String(6 * 24 + 23)]: 1 });
  });
});
