import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAction, type DecideInput } from './decide.ts';
import { parseQuietHours, isQuiet } from './sendtime/quiet.ts';
import { localTime, zoneOffsetMinutes } from './sendtime/zone.ts';
import { defaultShopModelState, newCustomerModelState, newDiscountSegmentState } from './state.ts';
import { updateOnOutcome } from './update.ts';
import { PERSON_CHANNELS } from './types.ts';

const now = '2025-06-10T09:00:00Z';

function baseInput(over: Partial<DecideInput> = {}): DecideInput {
  return {
    customer: newCustomerModelState('Europe/Berlin', now),
    shop: defaultShopModelState(),
    discount: newDiscountSegmentState('new', now),
    consents: ['email', 'sms', 'push'],
    reachable: ['email', 'sms', 'push'],
    contents: [{ type: 'cart_reminder' }, { type: 'cart_offer', allowsDiscount: true }],
    window: { earliest: now, latest: '2025-06-12T09:00:00Z' },
    basketValueMinor: 8_000,
    marginRate: 0.4,
    now,
    seed: 'cart:shop1:c1:abc',
    ...over,
  };
}

describe('decideAction', () => {
  it('is a pure function of its input and seed', () => {
    const a = decideAction(baseInput());
    expect(decideAction(baseInput())).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    const others = ['s1', 's2', 's3', 's4', 's5', 's6'].map((seed) => decideAction(baseInput({ seed })));
    expect(others.some((d) => JSON.stringify(d.propensities) !== JSON.stringify(a.propensities))).toBe(true);
  });

  it('sends nothing, with a reason, when no channel is contactable or the window is all quiet', () => {
    const none = decideAction(baseInput({ consents: ['whatsapp'] }));
    expect(none).toMatchObject({ action: 'none', channel: null, propensities: { action: 1 } });
    expect(none.reasons.at(-1)).toBe('no channel has both consent and a reachable address');
    const quiet = decideAction(baseInput({ window: { earliest: '2025-06-10T20:00:00Z', latest: '2025-06-11T05:00:00Z' } }));
    expect(quiet.action).toBe('none');
    expect(quiet.reasons.at(-1)).toBe('no channel has an allowed send time in the window');
    expect(quiet.reasons.some((r) => r.startsWith('email skipped: every instant'))).toBe(true);
  });

  it('sends nothing when the customer would convert as well without a message', () => {
    const d = decideAction(baseInput({ baselineConversion: 0.9 }));
    expect(d.action).toBe('none');
    expect(d.propensities.none).toBeGreaterThan(0.9);
    expect(d.alternatives[0]!.key).toBe('none');
  });

  it('reports propensities that are probabilities over all actions', () => {
    const d = decideAction(baseInput({ maxAlternatives: Infinity }));
    const total = d.alternatives.reduce((s, a) => s + a.winProbability, 0);
    expect(total).toBeCloseTo(1, 12);
    const chosen = d.alternatives.find((a) => a.key === `${d.contentType}|${d.channel}|${d.discountTier}`)!;
    expect(d.propensities.action).toBe(chosen.winProbability);
    expect(d.propensities.action).toBeGreaterThan(0);
    for (const p of Object.values(d.propensities).slice(0, 5)) expect(p).toBeLessThanOrEqual(1);
    expect(d.propensities.channel).toBeGreaterThanOrEqual(d.propensities.action);
  });

  it('breaks ties deterministically: equal content goes to the first listed, never to a discount', () => {
    const d = decideAction(baseInput({ contents: [{ type: 'a' }, { type: 'b' }], maxAlternatives: Infinity }));
    expect(d.contentType).toBe('a');
    expect(d.discountTier).toBe(0);
    expect(d.propensities.content).toBe(1);
    expect(d.alternatives.filter((x) => x.contentType === 'b').every((x) => x.winProbability === 0)).toBe(true);
  });

  it('follows a customer who only ever clicks SMS', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 40 }), fc.string(), (rounds, seed) => {
        let state = { customer: newCustomerModelState('Europe/Berlin', now) };
        for (let r = rounds; r > 0; r--) {
          const at = new Date(Date.parse(now) - r * 86_400_000).toISOString();
          for (const channel of ['email', 'sms', 'push'] as const) {
            const sendId = `${r}-${channel}`;
            state = updateOnOutcome(state, { sendId, kind: channel === 'sms' ? 'clicked' : 'no_response', channel, at, discountTier: 0 });
          }
        }
        const d = decideAction(baseInput({ customer: state.customer, seed, maxAlternatives: Infinity }));
        // Conversion given a click is still uncertain, so a draw may find no channel worth its cost;
        // but whenever a channel wins it is SMS, and SMS leads the expected values.
        const share = (channel: string) => d.alternatives.filter((a) => a.channel === channel).reduce((s, a) => s + a.winProbability, 0);
        expect(share('sms')).toBeGreaterThan(0.8);
        expect(share('email') + share('push')).toBeLessThan(0.1);
        expect(d.alternatives[0]!.channel).toBe('sms');
      }),
      { numRuns: 30 },
    );
  });

  it('sends inside the window and outside quiet hours, for any zone and window', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: 0, max: 300 * 24 }), fc.integer({ min: 1, max: 72 }), fc.string(), (zone, startHour, hours, seed) => {
        const earliest = Date.parse('2025-01-01T00:00:00Z') + startHour * 3_600_000;
        const latest = earliest + hours * 3_600_000;
        const input = baseInput({
          customer: newCustomerModelState(zone, now),
          now: new Date(earliest).toISOString(),
          window: { earliest: new Date(earliest).toISOString(), latest: new Date(latest).toISOString() },
          seed,
          propensityDraws: 20,
        });
        const d = decideAction(input);
        if (d.action === 'none') return;
        const at = Date.parse(d.sendAt!);
        expect(at).toBeGreaterThanOrEqual(earliest);
        expect(at).toBeLessThanOrEqual(latest);
        const minute = localTime(at, zoneOffsetMinutes(zone, at)).minuteOfDay;
        expect(isQuiet(parseQuietHours(input.shop.quietHours)!, minute)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('never sends before the decision is made', () => {
    const d = decideAction(baseInput({ window: { earliest: '2025-06-01T00:00:00Z', latest: '2025-06-12T09:00:00Z' } }));
    expect(Date.parse(d.sendAt!)).toBeGreaterThanOrEqual(Date.parse(now));
    const late = decideAction(baseInput({ window: { earliest: '2025-06-01T00:00:00Z', latest: '2025-06-02T00:00:00Z' } }));
    expect(late).toMatchObject({ action: 'none', reasons: [expect.any(String), 'the window closed at 2025-06-02T00:00:00Z, before this decision'] });
  });

  it('keeps an opted-out channel out even if consent data says otherwise', () => {
    const customer = { ...newCustomerModelState('Europe/Berlin', now), optedOut: PERSON_CHANNELS.filter((c) => c !== 'push') };
    const d = decideAction(baseInput({ customer }));
    expect(d.channel === 'push' || d.action === 'none').toBe(true);
    expect(d.fallbackChannels).toEqual([]);
  });
});

describe('decideAction: sending versus sending nothing', () => {
  it("explores the shop's uncertain rates, not a customer's deviation from rates the shop knows", () => {
    // Customers differ a lot (priors worth 4 sends), and this customer has no evidence of their own.
    const priors = (sends?: number) => ({
      email: { all: { rate: 0.03, strength: 4, ...(sends === undefined ? {} : { sends }) } },
      sms: { all: { rate: 0.06, strength: 4, ...(sends === undefined ? {} : { sends }) } },
    });
    const smsShare = (sends?: number) => {
      const shop = { ...defaultShopModelState(), channelPriors: priors(sends), channelCostsMinor: { email: 0, sms: 0 } };
      const d = decideAction(baseInput({ shop, consents: ['email', 'sms'], reachable: ['email', 'sms'], contents: [{ type: 'cart_reminder' }], maxAlternatives: Infinity, propensityDraws: 400 }));
      return d.alternatives.filter((a) => a.channel === 'sms').reduce((sum, a) => sum + a.winProbability, 0);
    };
    // Rates behind 20 000 sends each: SMS's is surely higher, so the customer gets SMS.
    expect(smsShare(20_000)).toBeGreaterThan(0.99);
    // A prior with no sends behind it is as uncertain as a customer: plain Thompson sampling, e-mail often.
    expect(smsShare()).toBeLessThan(0.8);
    expect(smsShare()).toBeGreaterThan(0.3);
    // Few sends: the shop's rates themselves are uncertain and get explored.
    expect(smsShare(60)).toBeLessThan(0.99);
  });

  it('always sends to a new customer when the expected value is positive, whatever the seed', () => {
    const now = '2026-05-05T12:00:00Z';
    for (let i = 0; i < 300; i++) {
      const d = decideAction({
        customer: newCustomerModelState('Europe/Berlin', now), shop: defaultShopModelState(), discount: newDiscountSegmentState('s', now),
        consents: ['email'], reachable: ['email'], contents: [{ type: 'cart_reminder' }], window: { earliest: now, latest: '2026-05-06T12:00:00Z' },
        basketValueMinor: 3600, marginRate: 0.4, now, seed: `wf-${i}:1`, urgencyHalfLifeHours: 12,
      });
      expect(d.action).toBe('send');
      expect(d.propensities.none).toBe(0);
    }
  });

  it('sends nothing when even the best action loses money on average', () => {
    const now = '2026-05-05T12:00:00Z';
    const shop = { ...defaultShopModelState(), channelCostsMinor: { email: 500 } };
    const d = decideAction({
      customer: newCustomerModelState('Europe/Berlin', now), shop, discount: newDiscountSegmentState('s', now),
      consents: ['email'], reachable: ['email'], contents: [{ type: 'cart_reminder' }], window: { earliest: now, latest: '2026-05-06T12:00:00Z' },
      basketValueMinor: 3600, marginRate: 0.4, now, seed: 'wf:1',
    });
    expect(d.action).toBe('none');
  });
});
