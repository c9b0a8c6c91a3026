// Posteriors forget slowly: evidence loses half its weight every `halfLifeDays`, so a customer who
// switches from email to SMS is followed within a few months instead of never.
// Counts carry the instant they are valid at; decaying to an instant is exact for any event order.

export const DAY_MS = 86_400_000;
export const DEFAULT_HALF_LIFE_DAYS = 90;

/**
 * Success/failure evidence, already discounted to `asOf` (ISO-8601). `squares` is the sum of the
 * observations' squared weights (each decays twice as fast): with it, how much the evidence says about
 * one customer is known exactly, whatever the ages of their observations (see weightSquaresAt).
 * Counts stored before it existed lack it.
 */
export type DecayedCounts = { successes: number; failures: number; asOf: string; squares?: number };

export function decayFactor(fromMs: number, toMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0) || !Number.isFinite(halfLifeDays)) return 1;
  return Math.pow(0.5, (toMs - fromMs) / (halfLifeDays * DAY_MS));
}

/** Evidence as it weighs at `atMs`; missing counts weigh nothing. */
export function countsAt(
  counts: DecayedCounts | undefined,
  atMs: number,
  halfLifeDays: number,
): { successes: number; failures: number } {
  if (!counts) return { successes: 0, failures: 0 };
  const f = decayFactor(Date.parse(counts.asOf), atMs, halfLifeDays);
  return { successes: counts.successes * f, failures: counts.failures * f };
}

/**
 * Σ w² of `n` worth of decayed observations whose squares were not kept, read as ⌈n⌉ observations of
 * equal weight: n² / ⌈n⌉. Exact for observations of one age, too high for old ones spread over time.
 */
export function equalWeightSquares(n: number): number {
  return n > 0 ? (n * n) / Math.max(1, Math.ceil(n - 1e-9)) : 0;
}

/**
 * Σ w² of the evidence at `atMs`, where a fresh observation weighs 1. Counts without `squares` (stored
 * before it was kept) fall back to equalWeightSquares.
 */
export function weightSquaresAt(counts: DecayedCounts | undefined, atMs: number, halfLifeDays: number): number {
  if (!counts) return 0;
  const f = decayFactor(Date.parse(counts.asOf), atMs, halfLifeDays);
  if (counts.squares !== undefined) return counts.squares * f * f;
  return equalWeightSquares((counts.successes + counts.failures) * f);
}

/**
 * Adds one observation made at `atMs`. A late (out-of-order) observation is discounted to the counts'
 * own instant instead of rewinding them, so the result does not depend on arrival order.
 */
export function addObservation(
  counts: DecayedCounts | undefined,
  success: boolean,
  atMs: number,
  halfLifeDays: number,
  weight = 1,
): DecayedCounts {
  const base = counts ?? { successes: 0, failures: 0, asOf: new Date(atMs).toISOString() };
  const baseMs = Date.parse(base.asOf);
  const newer = atMs > baseMs;
  const keep = newer ? decayFactor(baseMs, atMs, halfLifeDays) : 1;
  const add = newer ? weight : weight * decayFactor(atMs, baseMs, halfLifeDays);
  const asOf = newer ? new Date(atMs).toISOString() : base.asOf;
  return {
    successes: base.successes * keep + (success ? add : 0),
    failures: base.failures * keep + (success ? 0 : add),
    asOf,
    squares: weightSquaresAt(base, Date.parse(asOf), halfLifeDays) + add * add,
  };
}
