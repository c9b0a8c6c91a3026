import { describe, expect, it } from 'vitest';
import { applyRefit, refitShop } from '../refit.ts';
import { defaultShopModelState, newCustomerModelState, type CustomerModelState, type HourCounts } from '../state.ts';
import { customerCurve } from './customer.ts';
import { fitProfiles, personalHabit, profilePosterior, startProfiles, addToProfiles } from './profiles.ts';

const NOW = '2026-05-01T00:00:00.000Z';
const NOW_MS = Date.parse(NOW);

/** A seeded stream, so the shop is the same on every run. */
function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Visits (hour of week → count) around a daily peak, a fifth of them at any hour. */
function visits(rnd: () => number, peak: number, n: number): HourCounts {
  const hours: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const day = Math.floor(rnd() * 7);
    const hour = rnd() < 0.2 ? Math.floor(rnd() * 24) : (peak + Math.round((rnd() - 0.5) * 3) + 24) % 24;
    const key = String(day * 24 + hour);
    hours[key] = (hours[key] ?? 0) + 1;
  }
  return { hours, asOf: NOW };
}

/** A shop whose customers are 35 % morning (08:00) and 65 % evening (20:00) shoppers, or all evening. */
function shopCustomers(morningShare: number, count = 400): CustomerModelState[] {
  const rnd = rng(7);
  return Array.from({ length: count }, (_, i) => ({
    ...newCustomerModelState('UTC', NOW),
    siteActivity: visits(rnd, i < count * morningShare ? 8 : 20, 3 + Math.floor(rnd() * 6)),
  }));
}

const peakOfDay = (curve: ArrayLike<number>) => {
  const byHour = new Float64Array(24);
  for (let h = 0; h < 168; h++) byHour[h % 24] = byHour[h % 24]! + curve[h]!;
  let best = 0;
  for (let h = 1; h < 24; h++) if (byHour[h]! > byHour[best]!) best = h;
  return best;
};

describe('habit profiles', () => {
  it('finds the morning and the evening shoppers of a shop, with their shares', () => {
    const acc = startProfiles();
    for (const c of shopCustomers(0.35)) addToProfiles(acc, c.siteActivity, NOW_MS, 90);
    const profiles = fitProfiles(acc)!;
    expect(profiles).not.toBeNull();
    expect(profiles.length).toBeGreaterThanOrEqual(2);
    const peaks = profiles.map((p) => peakOfDay([...p.hours, ...new Array(144).fill(0)]));
    expect(peaks.some((h) => Math.abs(h - 8) <= 1)).toBe(true);
    expect(peaks.some((h) => Math.abs(h - 20) <= 1)).toBe(true);
    const morning = profiles.filter((p, j) => Math.abs(peaks[j]! - 8) <= 1).reduce((s, p) => s + p.weight, 0);
    expect(morning).toBeGreaterThan(0.25);
    expect(morning).toBeLessThan(0.45);
  });

  it('fits no mixture when every customer keeps the same hours', () => {
    const acc = startProfiles();
    for (const c of shopCustomers(0)) addToProfiles(acc, c.siteActivity, NOW_MS, 90);
    expect(fitProfiles(acc)).toBeNull();
  });

  it("leans a morning shopper's prior to the morning more than the shop's average habit does", () => {
    const customers = shopCustomers(0.35);
    const shop = applyRefit(defaultShopModelState(), refitShop(customers, NOW_MS, { halfLifeDays: 90 }));
    expect(shop.sendTime.siteHabit?.profiles?.length).toBeGreaterThanOrEqual(2);
    const { profiles: _, ...average } = shop.sendTime.siteHabit!;
    const withoutProfiles = { ...shop, sendTime: { ...shop.sendTime, siteHabit: average } };
    const morningShare = (curve: ArrayLike<number>) => {
      let m = 0;
      for (let h = 0; h < 168; h++) if (h % 24 >= 6 && h % 24 <= 10) m += curve[h]!;
      return m;
    };
    const earlyBird: CustomerModelState = { ...newCustomerModelState('UTC', NOW), siteActivity: { hours: { '8': 1 }, asOf: NOW } };
    const leaning = customerCurve(earlyBird, shop, 'email', NOW_MS).curve;
    const averaged = customerCurve(earlyBird, withoutProfiles, 'email', NOW_MS).curve;
    expect(peakOfDay(leaning)).toBeGreaterThanOrEqual(7);
    expect(peakOfDay(leaning)).toBeLessThanOrEqual(9);
    expect(morningShare(leaning)).toBeGreaterThan(1.3 * morningShare(averaged));
    // A customer with no visits gets the same curve either way.
    const newcomer = newCustomerModelState('UTC', NOW);
    expect(Array.from(customerCurve(newcomer, shop, 'email', NOW_MS).curve)).toEqual(Array.from(customerCurve(newcomer, withoutProfiles, 'email', NOW_MS).curve));
  });

  it('gives back the shop habit for a customer with no visits, and shares that sum to 1', () => {
    const acc = startProfiles();
    for (const c of shopCustomers(0.35)) addToProfiles(acc, c.siteActivity, NOW_MS, 90);
    const profiles = fitProfiles(acc)!;
    const habit = Array.from({ length: 168 }, (_, h) => (1 + (h % 24)) / (168 * 12.5));
    const none = profilePosterior(profiles, new Float64Array(24));
    expect(none.map((w) => w.toFixed(9))).toEqual(profiles.map((p) => (p.weight / profiles.reduce((s, q) => s + q.weight, 0)).toFixed(9)));
    const same = personalHabit(habit, profiles, none);
    const total = habit.reduce((a, b) => a + b, 0);
    same.forEach((x, h) => expect(x).toBeCloseTo(habit[h]! / total, 12));
    const leaning = personalHabit(habit, profiles, profilePosterior(profiles, Object.assign(new Float64Array(24), { 8: 3 })));
    expect(leaning.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
