// Habit profiles: a shop's customers as a mixture of daily habits (morning, lunch-break and evening
// shoppers, say), learned from when they visit the site. The site habit (curve.ts) is the average of
// them all; a customer with a handful of visits is better described by the profile those visits point
// to than by the average, which sits between the habits and fits nobody. The refit fits the profiles
// (fitProfiles: EM over a sample of customers' visit hours, the number of profiles chosen by BIC);
// customerCurve reweights the site habit towards the profiles a customer's own visits favour.

import type { HourCounts } from '../state.ts';
import { addInto, argmaxHour, HOURS_PER_WEEK } from './curve.ts';

const HOURS = 24;

/** One habit: its share of the shop's customers and the shares of their visits over the 24 hours of the day. */
export type HabitProfile = { weight: number; hours: number[] };

export const PROFILE_BOUNDS = {
  /** Customers whose visit hours the fit reads (the first ones met that have two visits or more). */
  sample: 5_000,
  /** Below this many such customers no profiles are fitted. */
  minCustomers: 50,
  maxProfiles: 4,
  /** EM stops at this many iterations, or once an iteration adds less than `tolerance` log-likelihood per customer. */
  iterations: 100,
  tolerance: 1e-4,
} as const;

export type ProfileAccumulator = { rows: Float64Array[]; sample: number };

export const startProfiles = (sample: number = PROFILE_BOUNDS.sample): ProfileAccumulator => ({ rows: [], sample });

/** The customer's visits by local hour of the day, decayed to `nowMs` like every other observation. */
export function visitsByHourOfDay(site: HourCounts | null | undefined, nowMs: number, halfLifeDays: number): { hours: Float64Array; total: number } {
  const week = new Float64Array(HOURS_PER_WEEK);
  const total = addInto(week, site, 1, nowMs, halfLifeDays);
  const hours = new Float64Array(HOURS);
  for (let h = 0; h < HOURS_PER_WEEK; h++) hours[h % HOURS] = hours[h % HOURS]! + week[h]!;
  return { hours, total };
}

export function addToProfiles(acc: ProfileAccumulator, site: HourCounts | null | undefined, nowMs: number, halfLifeDays: number): void {
  if (acc.rows.length >= acc.sample) return;
  const { hours, total } = visitsByHourOfDay(site, nowMs, halfLifeDays);
  // One visit says nothing about which customers keep which hours together.
  if (total >= 1.5) acc.rows.push(hours);
}

/**
 * The mixture of daily habits that best explains the sampled customers' visit hours: EM for 1 to
 * maxProfiles profiles (each a multinomial over the 24 hours, smoothed towards all customers' hours by
 * two visits), the number chosen by BIC. Null when there are too few customers or one profile explains
 * them as well as several (then the site habit alone is the prior, as before).
 */
export function fitProfiles(acc: ProfileAccumulator): HabitProfile[] | null {
  const b = PROFILE_BOUNDS;
  const rows = acc.rows;
  if (rows.length < b.minCustomers) return null;
  const pooled = new Float64Array(HOURS);
  for (const r of rows) for (let h = 0; h < HOURS; h++) pooled[h] = pooled[h]! + r[h]!;
  const pooledTotal = pooled.reduce((a, x) => a + x, 0);
  for (let h = 0; h < HOURS; h++) pooled[h] = (pooled[h]! + 1e-3) / (pooledTotal + HOURS * 1e-3);
  let best: { bic: number; profiles: HabitProfile[] } | null = null;
  for (let k = 1; k <= b.maxProfiles; k++) {
    const fit = emFit(rows, pooled, k, b.iterations, b.tolerance);
    const parameters = k * (HOURS - 1) + (k - 1);
    const bic = -2 * fit.logLikelihood + parameters * Math.log(rows.length);
    if (!best || bic < best.bic) best = { bic, profiles: fit.profiles };
  }
  if (!best || best.profiles.length < 2) return null;
  return best.profiles.sort((p, q) => argmaxHour(p.hours) - argmaxHour(q.hours));
}

function emFit(rows: Float64Array[], pooled: Float64Array, k: number, iterations: number, tolerance: number): { profiles: HabitProfile[]; logLikelihood: number } {
  // Start: bumps over the pooled hours centred at its k quantiles (deterministic, spread over the day).
  const centres: number[] = [];
  let cum = 0;
  let q = 0;
  for (let h = 0; h < HOURS && q < k; h++) {
    cum += pooled[h]!;
    while (q < k && cum >= (q + 0.5) / k) centres[q++] = h;
  }
  while (centres.length < k) centres.push(HOURS - 1);
  let p = centres.map((c) => normalise(Array.from(pooled, (x, h) => x * Math.exp(-(circular(h, c) ** 2) / (2 * 3 * 3)))));
  let pi = new Array<number>(k).fill(1 / k);
  const r = rows.map(() => new Float64Array(k));
  let logLikelihood = -Infinity;
  let previous = -Infinity;
  for (let it = 0; it <= iterations; it++) {
    // E: each customer's responsibilities, and the log-likelihood of the current fit.
    const logP = p.map((ph) => ph.map((x) => Math.log(x)));
    const logPi = pi.map((x) => Math.log(x));
    logLikelihood = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ri = r[i]!;
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        let s = logPi[j]!;
        for (let h = 0; h < HOURS; h++) if (row[h]! > 0) s += row[h]! * logP[j]![h]!;
        ri[j] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let j = 0; j < k; j++) z += (ri[j] = Math.exp(ri[j]! - max));
      for (let j = 0; j < k; j++) ri[j] = ri[j]! / z;
      logLikelihood += max + Math.log(z);
    }
    if (it === iterations || logLikelihood - previous < tolerance * rows.length) break;
    previous = logLikelihood;
    // M: profiles from the visits they are responsible for, smoothed towards the pooled hours by two visits.
    const counts = Array.from({ length: k }, () => Array.from(pooled, (x) => 2 * x));
    const mass = new Array<number>(k).fill(1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (let j = 0; j < k; j++) {
        const w = r[i]![j]!;
        mass[j] = mass[j]! + w;
        if (w < 1e-9) continue;
        const cj = counts[j]!;
        for (let h = 0; h < HOURS; h++) cj[h] = cj[h]! + w * row[h]!;
      }
    }
    p = counts.map(normalise);
    pi = normalise(mass);
  }
  return { profiles: p.map((hours, j) => ({ weight: pi[j]!, hours })), logLikelihood };
}

/** How much each profile explains the customer's visits (posterior shares, summing to 1); the profiles' weights without visits. */
export function profilePosterior(profiles: readonly HabitProfile[], visits: ArrayLike<number>): number[] {
  const log = profiles.map((p) => {
    let s = Math.log(p.weight);
    for (let h = 0; h < HOURS; h++) if (visits[h]! > 0) s += visits[h]! * Math.log(p.hours[h]!);
    return s;
  });
  const max = Math.max(...log);
  return normalise(log.map((l) => Math.exp(l - max)));
}

/**
 * The site habit (168 shares) reweighted hour of day by hour of day towards the profiles the customer's
 * visits favour: × (their mixture at that hour) / (the shop's mixture at that hour). Sums to 1. Without
 * visits the posterior is the profiles' weights and the habit comes back unchanged.
 */
export function personalHabit(habitHours: ArrayLike<number>, profiles: readonly HabitProfile[], posterior: readonly number[]): Float64Array {
  const ratio = new Float64Array(HOURS);
  for (let h = 0; h < HOURS; h++) {
    let mine = 0;
    let shop = 0;
    profiles.forEach((p, j) => {
      mine += posterior[j]! * p.hours[h]!;
      shop += p.weight * p.hours[h]!;
    });
    ratio[h] = shop > 0 ? mine / shop : 1;
  }
  const out = new Float64Array(habitHours.length);
  let sum = 0;
  for (let h = 0; h < habitHours.length; h++) sum += out[h] = habitHours[h]! * ratio[h % HOURS]!;
  if (sum > 0) for (let h = 0; h < out.length; h++) out[h] = out[h]! / sum;
  return out;
}

const circular = (a: number, b: number) => Math.min(Math.abs(a - b), HOURS - Math.abs(a - b));

function normalise(xs: ArrayLike<number>): number[] {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return Array.from(xs, (x) => x / sum);
}
