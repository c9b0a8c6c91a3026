import { describe, expect, it } from 'vitest';
import { addToPool, emptyPoolStats, pooledPrior } from './channel/posterior.ts';
import { addObservation, countsAt, DAY_MS, weightSquaresAt, type DecayedCounts } from './core/decay.ts';
import { Rng } from './core/rng.ts';
import { addToRefit, applyRefit, finishRefit, PRIOR_STRENGTH, refitShop, startRefit } from './refit.ts';
import { defaultShopModelState, newCustomerModelState, newDiscountSegmentState, type CustomerModelState } from './state.ts';
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
  it("fits a stage prior's strength over all stages, never above the stage's own sends", () => {
    const alike = Array.from({ length: 40 }, (_, i) => customer(i < 25 ? 'active' : 'lapsed', [1, 3]));
    const differ = Array.from({ length: 40 }, (_, i) => customer('new', i % 2 ? [4, 0] : [0, 4]));
    const r = refitShop([...alike, ...differ], nowMs, { halfLifeDays: 90 });
    const all = r.priors.email!.all.strength;
    expect(all).toBeLessThan(PRIOR_STRENGTH.maxStrength);
    // Active customers alone look alike (they would fit the maximum) but get the shop-wide spread.
    expect(r.priors.email!.byStage!.active!.strength).toBe(all);
    expect(r.priors.email!.byStage!.new!.strength).toBe(all);
    expect(r.priors.email!.byStage!.lapsed!.strength).toBe(Math.min(all, 62));
  });

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
    // The stage's rate is its 18 of 60 sends with the shop's prior (19/72 worth S sends) as its prior;
    // the shop's rate is backed by its 70 sends, the stage's by its 60 and the prior's S.
    const S = r.priors.email!.all.strength;
    expect(r.priors.email!.all.sends).toBe(70);
    expect(r.priors.email!.byStage!.active!.rate).toBeCloseTo((18 + (S * 19) / 72) / (60 + S), 12);
    expect(r.priors.email!.byStage!.active!.sends).toBeCloseTo(60 + S, 12);
    // The stage's strength is the shop-wide fit (customers differ at most as much within a stage as overall).
    expect(r.priors.email!.byStage!.active!.strength).toBe(Math.min(r.priors.email!.all.strength, 62));
    expect(r.priors.sms).toBeUndefined();
    const curve = r.population.email!;
    expect(curve[10]).toBe(18);
    expect(curve[40]).toBe(1);
  });

  it("keeps a stage with few sends near the shop's rate and lets a stage with many follow its own", () => {
    const few = Array.from({ length: 50 }, () => customer('lapsed', [0, 1]));
    const many = Array.from({ length: 500 }, () => customer('lapsed', [0, 1]));
    const rest = Array.from({ length: 200 }, (_, i) => customer('active', i % 2 ? [1, 1] : [0, 2]));
    const small = refitShop([...few, ...rest], nowMs, { halfLifeDays: 90 }).priors.email!;
    const large = refitShop([...many, ...rest], nowMs, { halfLifeDays: 90 }).priors.email!;
    // 0 clicks in 50 lapsed sends: the stage's own rate 1/52 would ignore the shop's ~0.2; shrunk it is not.
    const S = small.all.strength;
    expect(small.byStage!.lapsed!.rate).toBeCloseTo((S * small.all.rate) / (50 + S), 12);
    expect(small.byStage!.lapsed!.rate).toBeGreaterThan(0.05);
    // 0 in 500: the stage's own evidence weighs more, the rate moves further from the shop's.
    expect(large.byStage!.lapsed!.rate).toBeCloseTo((large.all.strength * large.all.rate) / (500 + large.all.strength), 12);
    expect(large.byStage!.lapsed!.rate / large.all.rate).toBeLessThan(small.byStage!.lapsed!.rate / small.all.rate);
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

describe('pooledPrior: how much the shop prior is worth', () => {
  /** Customers whose true rates are Beta(rate × strength, …) (or all equal), each sent `sends` times. */
  function pool(seed: string, customers: number, sends: (i: number) => number, rate: number, strength: number | null, decayed = false) {
    const rng = new Rng(seed);
    const p = emptyPoolStats();
    for (let i = 0; i < customers; i++) {
      const r = strength === null ? rate : rng.beta(rate * strength, (1 - rate) * strength);
      const n = sends(i);
      let s = 0;
      for (let k = 0; k < n; k++) if (rng.next() < r) s++;
      // Decayed evidence: every send of the customer weighs the same fraction, as when they are of similar age.
      const w = decayed ? 0.5 + 0.5 * rng.next() : 1;
      addToPool(p, s * w, (n - s) * w);
    }
    return p;
  }
  const bounds = PRIOR_STRENGTH;

  it('recovers the spread of customers who differ', () => {
    // Rates near 5 % hide most of the spread in binomial noise: it takes many customers to see it.
    for (const [rate, strength, maxSends, decayed] of [[0.05, 15, 4, false], [0.08, 40, 7, false], [0.3, 5, 4, false], [0.05, 15, 2, true], [0.1, 30, 2, true]] as const) {
      const fitted = pooledPrior(pool(`differ-${strength}-${maxSends}`, 50_000, (i) => 1 + (i % maxSends), rate, strength, decayed), bounds);
      expect(fitted.rate).toBeCloseTo(rate, 1);
      expect(fitted.strength).toBeGreaterThan(strength / 1.6);
      expect(fitted.strength).toBeLessThan(strength * 1.6);
    }
  });

  it('reads old evidence as the several sends it was, not as one', () => {
    // Customers who differ (strength 15), each sent 2–6 times at random over the last year; with a
    // 90-day half-life most have less than two sends' weight left. Read as ⌈n⌉ equal sends, those
    // sends' noise looked like one send's and customers looked alike (strength at the cap).
    const rng = new Rng('old-evidence');
    const exact = emptyPoolStats();
    const asOne = emptyPoolStats();
    for (let i = 0; i < 40_000; i++) {
      const r = rng.beta(0.1 * 15, 0.9 * 15);
      let c: DecayedCounts | undefined;
      const sends = 2 + Math.floor(rng.next() * 5);
      for (let k = 0; k < sends; k++) c = addObservation(c, rng.next() < r, nowMs - rng.next() * 365 * DAY_MS, 90);
      const n = countsAt(c, nowMs, 90);
      addToPool(exact, n.successes, n.failures, weightSquaresAt(c, nowMs, 90));
      addToPool(asOne, n.successes, n.failures);
    }
    const fitted = pooledPrior(exact, bounds);
    expect(fitted.strength).toBeGreaterThan(15 / 1.6);
    expect(fitted.strength).toBeLessThan(15 * 1.6);
    expect(pooledPrior(asOne, bounds).strength).toBeGreaterThan(15 * 3);
  });

  it('is strong when customers engage alike, so the better channel is not explored away', () => {
    const fitted = pooledPrior(pool('alike', 2000, (i) => 1 + (i % 5), 0.075, null, true), bounds);
    expect(fitted.strength).toBeGreaterThan(150);
    expect(fitted.strength).toBeLessThanOrEqual(bounds.maxStrength);
  });

  it('falls back when the spread cannot be measured, and is never worth more than the sends behind it', () => {
    // One send per customer says nothing about how customers differ.
    expect(pooledPrior(pool('single', 500, () => 1, 0.1, 5), bounds).strength).toBe(bounds.fallbackStrength);
    const few = emptyPoolStats();
    addToPool(few, 1, 2);
    addToPool(few, 1, 2);
    expect(pooledPrior(few, bounds)).toEqual({ rate: 3 / 8, strength: 8 });
    expect(pooledPrior(emptyPoolStats(), bounds)).toEqual({ rate: 0.5, strength: 2 });
  });
});

describe('site habit', () => {
  const visitor = (hours: Record<string, number>): CustomerModelState => ({ ...newCustomerModelState('UTC', now), siteActivity: { hours, asOf: now } });

  it('measures how much one customer keeps the same hours beyond the shop (hand-computed)', () => {
    // 20 customers visit twice at 08:00, 10 twice at 20:00, 10 once at each. Blocks 08–12 and 20–24 hold
    // 50 and 30 of 80 visits: two visits of different customers share a block with 0.53125; two of one
    // customer with (20 × 2 + 10 × 2 + 10 × 0) / (40 × 2) = 0.75. ρ = (0.75 − 0.53125) / 0.46875; strength = 1/ρ − 1.
    const states = [
      ...Array.from({ length: 20 }, () => visitor({ '8': 2 })),
      ...Array.from({ length: 10 }, () => visitor({ '20': 2 })),
      ...Array.from({ length: 10 }, () => visitor({ '8': 1, '20': 1 })),
    ];
    const habit = refitShop(states, nowMs, { halfLifeDays: 90 }).siteHabit!;
    const rho = (0.75 - 0.53125) / 0.46875;
    expect(habit.strength).toBeCloseTo(1 / rho - 1, 10);
    expect(habit.customers).toBe(40);
    expect(habit.hours.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // 08:00 holds most visits; spread over every day, Tuesday 08:00 beats Tuesday 20:00 which beats Tuesday 14:00.
    expect(habit.hours[32]!).toBeGreaterThan(habit.hours[44]!);
    expect(habit.hours[44]!).toBeGreaterThan(habit.hours[38]!);
  });

  it('is strong when customers keep the same hours, weak when they differ, absent without repeat visitors', () => {
    const alike = Array.from({ length: 40 }, () => visitor({ '19': 3 }));
    expect(refitShop(alike, nowMs, { halfLifeDays: 90 }).siteHabit!.strength).toBe(200);
    const differ = Array.from({ length: 40 }, (_, i) => visitor(i % 2 ? { '8': 3 } : { '20': 3 }));
    expect(refitShop(differ, nowMs, { halfLifeDays: 90 }).siteHabit!.strength).toBe(1);
    const once = Array.from({ length: 40 }, (_, i) => visitor({ [String(i % 24)]: 1 }));
    expect(refitShop(once, nowMs, { halfLifeDays: 90 }).siteHabit).toBeNull();
    expect(applyRefit(defaultShopModelState(), refitShop(once, nowMs, { halfLifeDays: 90 })).sendTime.siteHabit).toBeUndefined();
    const shop = applyRefit(defaultShopModelState(), refitShop(alike, nowMs, { halfLifeDays: 90 }));
    expect(shop.sendTime.siteHabit?.strength).toBe(200);
  });
});

describe('discount prior', () => {
  const segment = (name: string, tier0: [number, number], tier10: [number, number] = [0, 0]) => {
    const d = newDiscountSegmentState(name, now);
    d.tiers[0] = { successes: tier0[0], failures: tier0[1], asOf: now };
    d.tiers[2] = { successes: tier10[0], failures: tier10[1], asOf: now };
    return d;
  };

  it("takes the rate of engaged sends without discount over every segment, keeps the strength, needs 30 of them", () => {
    const r = refitShop([], nowMs, { halfLifeDays: 90 }, [segment('a', [9, 21], [20, 0]), segment('b', [3, 7])]);
    expect(r.discountRate).toEqual({ rate: 13 / 42, trials: 40 });
    const shop = applyRefit(defaultShopModelState(), r);
    expect(shop.discount.prior).toEqual({ rate: 13 / 42, strength: defaultShopModelState().discount.prior.strength });
    expect(shop.discount.guardrails).toEqual(defaultShopModelState().discount.guardrails);
    const few = refitShop([], nowMs, { halfLifeDays: 90 }, [segment('a', [9, 20], [20, 0])]);
    expect(few.discountRate).toBeNull();
    expect(applyRefit(defaultShopModelState(), few).discount).toEqual(defaultShopModelState().discount);
  });

  it('weighs older evidence less (a half-life ago: half)', () => {
    const old = newDiscountSegmentState('old', now);
    old.tiers[0] = { successes: 40, failures: 0, asOf: new Date(nowMs - 90 * 86_400_000).toISOString() };
    const r = refitShop([], nowMs, { halfLifeDays: 90 }, [old, segment('new', [0, 20])]);
    expect(r.discountRate!.rate).toBeCloseTo(21 / 42, 10);
  });
});
