// The customer's engagement curve over the 168 hours of their local week, shrunk toward the shop's
// population curve (empirical Bayes with a Dirichlet prior worth `priorStrength` engagements):
// with no history the customer gets exactly the population's curve, and their own clicks take over
// as they accumulate. Site visits count as weaker evidence of the hours they are around.

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

/**
 * The shop's curve as a distribution. Half an engagement is added to every hour so an hour nobody has
 * engaged in yet is unlikely, not impossible; a shop with no data gets a flat curve.
 */
export function populationDistribution(weights: readonly number[] | undefined): Float64Array {
  const p = new Float64Array(HOURS_PER_WEEK);
  let total = 0;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const w = weights?.[h];
    p[h] = (w !== undefined && w > 0 ? w : 0) + 0.5;
    total += p[h]!;
  }
  for (let h = 0; h < HOURS_PER_WEEK; h++) p[h] = p[h]! / total;
  return p;
}

export type CurveInput = {
  own: HourCounts | null | undefined;
  site: HourCounts | null | undefined;
  population: Float64Array;
  priorStrength: number;
  siteWeight: number;
  nowMs: number;
  halfLifeDays: number;
};

/** Posterior-mean share of engagement per local hour of week; sums to 1. */
export function sendTimeCurve({ own, site, population, priorStrength, siteWeight, nowMs, halfLifeDays }: CurveInput): {
  curve: Float64Array;
  evidence: number;
} {
  const curve = new Float64Array(HOURS_PER_WEEK);
  const evidence = addInto(curve, own, 1, nowMs, halfLifeDays) + addInto(curve, site, siteWeight, nowMs, halfLifeDays);
  // A zero strength would divide 0 by 0 for a customer without history; keep a sliver of prior.
  const strength = priorStrength > 0 ? priorStrength : 1e-9;
  const denom = evidence + strength;
  for (let h = 0; h < HOURS_PER_WEEK; h++) curve[h] = (curve[h]! + strength * population[h]!) / denom;
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
