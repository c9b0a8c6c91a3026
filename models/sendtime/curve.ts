// The customer's engagement habit over the 168 hours of their local week (see sendTimeCurve), and the
// shop's population curve the scheduled refit sums from every customer's engagements.

import { decayFactor } from '../core/decay.ts';
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

/** Adds `scale` × the decayed weights of `counts` into `out`; returns the total added. */
function addInto(out: Float64Array, counts: HourCounts | null | undefined, scale: number, nowMs: number, halfLifeDays: number): number {
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
};

/**
 * The customer's habit: posterior-mean share of their engagement per local hour of week (sums to 1;
 * × 168 it is the engagement at that hour relative to an average hour). Evidence is the customer's
 * own engagements and, weaker, their site visits. Habits repeat daily and neighbouring hours are
 * alike, so each observation is spread over nearby hours of the day and, mostly, over every weekday;
 * a handful of visits then says "evenings", not "Tuesday 19:00". The prior is flat, worth
 * `priorStrength` observations: without evidence every hour is alike and the send goes out as soon
 * as allowed. The shop's population curve is deliberately not the prior: it counts engagements where
 * messages were sent, so its peak is where the shop sent, not where customers engage more.
 */
export function sendTimeCurve({ own, site, priorStrength, siteWeight, nowMs, halfLifeDays }: CurveInput): {
  curve: Float64Array;
  evidence: number;
} {
  const obs = new Float64Array(HOURS_PER_WEEK);
  const evidence = addInto(obs, own, 1, nowMs, halfLifeDays) + addInto(obs, site, siteWeight, nowMs, halfLifeDays);
  // A zero strength would divide 0 by 0 for a customer without history; keep a sliver of prior.
  const strength = priorStrength > 0 ? priorStrength : 1e-9;
  const denom = evidence + strength;
  const curve = new Float64Array(HOURS_PER_WEEK).fill(strength / HOURS_PER_WEEK / denom);
  if (evidence === 0) return { curve, evidence };
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
    curve[h] = curve[h]! + (WEEKDAY_SHARE * sameDay + ((1 - WEEKDAY_SHARE) / 7) * everyDay) / denom;
  }
  return { curve, evidence };
}

/** Sums customers' curves into the shop's population weights (the scheduled retrain calls this). */
export function buildPopulationCurve(customers: readonly (HourCounts | null | undefined)[], nowMs: number, halfLifeDays: number): number[] {
  const out = new Float64Array(HOURS_PER_WEEK);
  for (const c of customers) addInto(out, c, 1, nowMs, halfLifeDays);
  return Array.from(out);
}

export function argmaxHour(curve: ArrayLike<number>): number {
  let best = 0;
  for (let h = 1; h < HOURS_PER_WEEK; h++) if (curve[h]! > curve[best]!) best = h;
  return best;
}
