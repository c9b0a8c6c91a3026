// The customer's engagement habit over the 168 hours of their local week (see sendTimeCurve), and the
// shop's population curve the scheduled refit sums from every customer's engagements.

import { decayFactor, equalWeightSquares } from '../core/decay.ts';
import type { HourCounts } from '../state.ts';

export const HOURS_PER_WEEK = 168;

/** Adds `weight` at a local hour of week, discounting older evidence like the channel posteriors do. */
export function addHourObservation(
  counts: HourCounts | null | undefined,
  hourOfWeek: number,
  atMs: number,
  halfLifeDays: number,
  weight = 1,
): HourCounts {
  const baseMs = counts ? Date.parse(counts.asOf) : atMs;
  const newer = atMs > baseMs;
  const keep = newer ? decayFactor(baseMs, atMs, halfLifeDays) : 1;
  const hours: Record<string, number> = {};
  for (const key in counts?.hours) {
    const w = counts.hours[key]! * keep;
    // Drop evidence that has decayed to nothing so the jsonb stays small.
    if (w >= 1e-3) hours[key] = w;
  }
  const key = String(hourOfWeek);
  hours[key] = (hours[key] ?? 0) + (newer ? weight : weight * decayFactor(atMs, baseMs, halfLifeDays));
  return { hours, asOf: newer || !counts ? new Date(atMs).toISOString() : counts.asOf };
}

/** Adds `scale` × the decayed weights of `counts` into `out` (168 hours of week); returns the total added. */
export function addInto(out: Float64Array, counts: HourCounts | null | undefined, scale: number, nowMs: number, halfLifeDays: number): number {
  if (!counts || scale === 0) return 0;
  const f = scale * decayFactor(Date.parse(counts.asOf), nowMs, halfLifeDays);
  let total = 0;
  for (const key in counts.hours) {
    const h = Number(key);
    if (!(h >= 0 && h < HOURS_PER_WEEK)) continue;
    const w = counts.hours[key]! * f;
    out[h] = out[h]! + w;
    total += w;
  }
  return total;
}

/** Share of an observation's weight kept on its own weekday; the rest is spread over the same hour every day. */
export const WEEKDAY_SHARE = 0.3;
/** Standard deviation, in hours, over which an observation also speaks for neighbouring hours of the day. */
export const HOUR_SPREAD = 1.5;

/** A circular Gaussian over the 24 hour-of-day offsets, summing to 1. */
const SPREAD = (() => {
  const k = new Float64Array(24);
  let total = 0;
  for (let d = 0; d < 24; d++) {
    const x = Math.min(d, 24 - d);
    k[d] = Math.exp(-(x * x) / (2 * HOUR_SPREAD * HOUR_SPREAD));
    total += k[d]!;
  }
  for (let d = 0; d < 24; d++) k[d] = k[d]! / total;
  return k;
})();

export type CurveInput = {
  own: HourCounts | null | undefined;
  site: HourCounts | null | undefined;
  priorStrength: number;
  siteWeight: number;
  nowMs: number;
  halfLifeDays: number;
  /**
   * The prior's shape: shares of the 168 hours summing to 1 (the shop's site habit, siteHabitPrior).
   * Omitted: flat.
   */
  prior?: ArrayLike<number> | null;
};

/**
 * The customer's habit: posterior-mean share of their engagement per local hour of week (sums to 1;
 * × 168 it is the engagement at that hour relative to an average hour). Evidence is the customer's
 * own engagements and, weaker, their site visits. Habits repeat daily and neighbouring hours are
 * alike, so each observation is spread over nearby hours of the day and, mostly, over every weekday;
 * a handful of visits then says "evenings", not "Tuesday 19:00". The prior is worth `priorStrength`
 * observations; its shape is the shop's site habit when the refit has one (when the shop's customers
 * visit: not biased by when messages were sent, unlike the engagement population curve), flat otherwise,
 * so without evidence either the hour the shop's customers are most around is chosen or the send goes
 * out as soon as allowed.
 */
export function sendTimeCurve({ own, site, priorStrength, siteWeight, nowMs, halfLifeDays, prior }: CurveInput): {
  curve: Float64Array;
  evidence: number;
} {
  const obs = new Float64Array(HOURS_PER_WEEK);
  const evidence = addInto(obs, own, 1, nowMs, halfLifeDays) + addInto(obs, site, siteWeight, nowMs, halfLifeDays);
  // A zero strength would divide 0 by 0 for a customer without history; keep a sliver of prior.
  const strength = priorStrength > 0 ? priorStrength : 1e-9;
  const denom = evidence + strength;
  const curve = new Float64Array(HOURS_PER_WEEK);
  if (prior) for (let h = 0; h < HOURS_PER_WEEK; h++) curve[h] = (strength * prior[h]!) / denom;
  else curve.fill(strength / HOURS_PER_WEEK / denom);
  if (evidence === 0) return { curve, evidence };
  const spread = spreadOverDays(obs);
  for (let h = 0; h < HOURS_PER_WEEK; h++) curve[h] = curve[h]! + spread[h]! / denom;
  return { curve, evidence };
}

/** Observations by hour of week spread as one habit: over neighbouring hours and, mostly, every weekday (same total). */
function spreadOverDays(obs: Float64Array): Float64Array {
  const out = new Float64Array(HOURS_PER_WEEK);
  const daily = new Float64Array(24);
  for (let h = 0; h < HOURS_PER_WEEK; h++) daily[h % 24] = daily[h % 24]! + obs[h]!;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const day = h - (h % 24);
    const hour = h % 24;
    let sameDay = 0;
    let everyDay = 0;
    for (let j = 0; j < 24; j++) {
      const k = SPREAD[(hour - j + 24) % 24]!;
      sameDay += obs[day + j]! * k;
      everyDay += daily[j]! * k;
    }
    out[h] = WEEKDAY_SHARE * sameDay + ((1 - WEEKDAY_SHARE) / 7) * everyDay;
  }
  return out;
}

/** The shop's site habit (finishSiteHabit). */
export type SiteHabit = { hours: number[]; strength: number; customers: number };

export const SITE_HABIT_BOUNDS = { minStrength: 1, maxStrength: 200, minCustomers: 30 } as const;

export type SiteHabitAccumulator = { hours: Float64Array; blocks: Float64Array; total: number; pairsSame: number; pairs: number; customers: number; repeat: number };

export const startSiteHabit = (): SiteHabitAccumulator => ({
  hours: new Float64Array(HOURS_PER_WEEK), blocks: new Float64Array(6), total: 0, pairsSame: 0, pairs: 0, customers: 0, repeat: 0,
});

export function addToSiteHabit(acc: SiteHabitAccumulator, site: HourCounts | null | undefined, nowMs: number, halfLifeDays: number): void {
  if (!site) return;
  const obs = new Float64Array(HOURS_PER_WEEK);
  const n = addInto(obs, site, 1, nowMs, halfLifeDays);
  if (!(n > 0)) return;
  const blocks = new Float64Array(6);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    acc.hours[h] = acc.hours[h]! + obs[h]!;
    blocks[Math.floor((h % 24) / 4)] = blocks[Math.floor((h % 24) / 4)]! + obs[h]!;
  }
  const w = equalWeightSquares(n) / n;
  let squares = 0;
  for (let b = 0; b < 6; b++) {
    acc.blocks[b] = acc.blocks[b]! + blocks[b]!;
    squares += blocks[b]! * blocks[b]!;
  }
  acc.total += n;
  acc.customers++;
  // Pairs of distinct visits: all pairs minus each visit with itself (m visits of weight w: m w² = n w).
  if (n - w > 1e-9) {
    acc.repeat++;
    acc.pairsSame += squares - n * w;
    acc.pairs += n * n - n * w;
  }
}

/**
 * The shop's site habit: when its customers visit the site (shares of the 168 local hours, spread like a
 * customer's observations) and how much one customer's visits say against it, `strength` in visits.
 * Visits are not prompted by messages, so unlike the engagement population curve they do not pile up
 * where the shop sent. The strength is empirical Bayes by the method of moments for a
 * Dirichlet-multinomial over the six 4-hour blocks of the day (the resolution the spread keeps): the
 * chance that two visits of one customer fall in the same block, beyond the chance for two visits of
 * different customers, is ρ = 1 / (strength + 1). Customers who all keep the same hours give a strong
 * prior; customers who differ (morning and evening shoppers) a weak one, so a few visits of their own
 * decide. Decayed visits are read as ⌈n⌉ visits of equal weight. The channel pooling keeps each customer's
 * exact sum of squared weights instead; here that was tried in the simulator and moved the fitted strength
 * only from 9.1 to 8.2 visits (customers visit often, so their visits are mostly recent), so it is not kept.
 * Null while fewer than `minCustomers` customers have two visits or more (no spread to measure).
 */
export function finishSiteHabit(acc: SiteHabitAccumulator, bounds: { minStrength: number; maxStrength: number; minCustomers: number } = SITE_HABIT_BOUNDS): SiteHabit | null {
  if (acc.repeat < bounds.minCustomers || !(acc.pairs > 0) || !(acc.total > 0)) return null;
  let between = 0;
  for (let b = 0; b < 6; b++) between += (acc.blocks[b]! / acc.total) ** 2;
  const within = acc.pairsSame / acc.pairs;
  const rho = between < 1 ? (within - between) / (1 - between) : 0;
  const strength = rho > 0 ? 1 / rho - 1 : Infinity;
  const spread = spreadOverDays(acc.hours);
  const sum = spread.reduce((a, b) => a + b, 0);
  return {
    hours: Array.from(spread, (x) => x / sum),
    strength: Math.min(Math.max(strength, bounds.minStrength), bounds.maxStrength),
    customers: acc.customers,
  };
}

/** Sums customers' curves into the shop's population weights (the scheduled retrain calls this). */
export function buildPopulationCurve(customers: readonly (HourCounts | null | undefined)[], nowMs: number, halfLifeDays: number): number[] {
  const out = new Float64Array(HOURS_PER_WEEK);
  for (const c of customers) addInto(out, c, 1, nowMs, halfLifeDays);
  return Array.from(out);
}

/** The index of the largest value: the best hour of a week's (or a day's) curve. */
export function argmaxHour(curve: ArrayLike<number>): number {
  let best = 0;
  for (let h = 1; h < curve.length; h++) if (curve[h]! > curve[best]!) best = h;
  return best;
}
