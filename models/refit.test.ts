import { describe, expect, it } from 'vitest';
import { addToRefit, applyRefit, finishRefit, refitShop, startRefit } from './refit.ts';
import { defaultShopModelState, newCustomerModelState, type CustomerModelState } from './state.ts';
import type { Stage } from './types.ts';

const now = '2025-06-10T12:00:00Z';
const nowMs = Date.parse(now);

function customer(stage: Stage, email: [number, number] | null, hours: Record<string, number> = {}): CustomerModelState {
  const s = newCustomerModelState('UTC', now);
  s.lifecycle = { stage, why: 'test', since: now };
  if (email) s.channels.email = { successes: email[0], failures: email[1], asOf: now };
  if (Object.keys(hours).length > 0) s.sendTime.email = { hours, asOf: now };
  return s;
}

describe('refitShop', () => {
  it('pools engagement per channel and gives a stage its own prior only with enough sends', () => {
    const states = [
      ...Array.from({ length: 6 }, () => customer('active', [3, 7], { '10': 3 })),
      customer('lapsed', [0, 10], { '40': 1 }),
      customer('new', null),
    ];
    const r = refitShop(states, nowMs, { halfLifeDays: 90 });
    expect(r.customers).toBe(8);
    expect(r.priors.email!.all.rate).toBeCloseTo(19 / 72, 12);
    // 60 active sends reach the 50 needed for a stage prior; 10 lapsed ones do not.
    expect(Object.keys(r.priors.email!.byStage!)).toEqual(['active']);
    expect(r.priors.email!.byStage!.active!.rate).toBeCloseTo(19 / 62, 12);
    expect(r.priors.sms).toBeUndefined();
    const curve = r.population.email!;
    expect(curve[10]).toBe(18);
    expect(curve[40]).toBe(1);
  });

  it('discounts old evidence to the refit instant', () => {
    const old = customer('active', [10, 10]);
    old.channels.email!.asOf = new Date(nowMs - 90 * 86_400_000).toISOString();
    const fresh = customer('active', [0, 10]);
    // 90 days at a 90-day half-life: the old customer weighs 5 + 5 against 0 + 10.
    expect(refitShop([old, fresh], nowMs, { halfLifeDays: 90 }).priors.email!.all.rate).toBeCloseTo(6 / 22, 12);
  });

  it('streams: pages added one by one give what one call gives', () => {
    const states = Array.from({ length: 30 }, (_, i) => customer(i % 2 ? 'active' : 'new', [i % 4, 5 + (i % 3)], { [String(i % 7)]: 1 }));
    const acc = startRefit(nowMs, { halfLifeDays: 90 });
    for (const s of states) addToRefit(acc, s);
    expect(finishRefit(acc)).toEqual(refitShop(states, nowMs, { halfLifeDays: 90 }));
  });

  it('replaces what it refitted and keeps what it saw nothing of', () => {
    const shop = defaultShopModelState();
    shop.sendTime.population.push = Array.from({ length: 168 }, () => 1);
    const next = applyRefit(shop, refitShop([customer('active', [2, 8], { '5': 2 })], nowMs, { halfLifeDays: 90 }));
    expect(next.channelPriors.email!.all.rate).toBeCloseTo(3 / 12, 12);
    expect(next.channelPriors.sms).toEqual(shop.channelPriors.sms);
    expect(next.sendTime.population.push).toBe(shop.sendTime.population.push);
    expect(next.sendTime.population.email![5]).toBe(2);
    expect(next.quietHours).toEqual(shop.quietHours);
  });
});
