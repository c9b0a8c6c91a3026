// When does a customer stop being "active"? It depends on the shop: groceries are re-bought weekly,
// furniture yearly. Thresholds come from the shop's own gaps between repeat purchases, blended with
// defaults while the shop has few repeat purchases to learn from.

export type StageThresholds = {
  /** Past this many days since the last purchase a customer is at risk. */
  atRiskAfterDays: number;
  /** Past this many days the customer is lapsed. */
  lapsedAfterDays: number;
  /** How many gaps informed the fit and how much weight they got against the defaults. */
  gapsUsed: number;
  shopWeight: number;
};

export const DEFAULT_STAGE_THRESHOLDS: StageThresholds = {
  atRiskAfterDays: 60,
  lapsedAfterDays: 180,
  gapsUsed: 0,
  shopWeight: 0,
};

export type FitOptions = {
  /** Share of repeat purchases that happen sooner than the at-risk threshold. */
  atRiskQuantile?: number;
  /** Share of repeat purchases that happen sooner than the lapsed threshold. */
  lapsedQuantile?: number;
  /** The defaults count as this many gaps; a shop with that many gaps is weighted half-and-half. */
  defaultWeight?: number;
  defaults?: { atRiskAfterDays: number; lapsedAfterDays: number };
};

export function fitStageThresholds(gapsDays: readonly number[], options: FitOptions = {}): StageThresholds {
  const atRiskQ = options.atRiskQuantile ?? 0.8;
  const lapsedQ = options.lapsedQuantile ?? 0.95;
  const defaultWeight = options.defaultWeight ?? 30;
  const defaults = options.defaults ?? DEFAULT_STAGE_THRESHOLDS;
  const gaps = gapsDays.filter((g) => Number.isFinite(g) && g >= 0).sort((a, b) => a - b);
  if (gaps.length === 0) return { ...defaults, gapsUsed: 0, shopWeight: 0 };

  const w = gaps.length / (gaps.length + defaultWeight);
  const atRisk = w * quantile(gaps, atRiskQ) + (1 - w) * defaults.atRiskAfterDays;
  const lapsed = w * quantile(gaps, lapsedQ) + (1 - w) * defaults.lapsedAfterDays;
  // A heavy tail can still put both quantiles together; keep a day between the stages.
  return { atRiskAfterDays: atRisk, lapsedAfterDays: Math.max(lapsed, atRisk + 1), gapsUsed: gaps.length, shopWeight: w };
}

/** Linear-interpolated quantile of sorted values (type 7, the R and NumPy default). */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  return a + (sorted[hi]! - a) * (pos - lo);
}

/** Gaps in days between consecutive purchases of each customer: the input fitStageThresholds wants. */
export function repeatPurchaseGaps(purchaseTimesByCustomer: readonly (readonly string[])[]): number[] {
  const gaps: number[] = [];
  for (const times of purchaseTimesByCustomer) {
    const ms = times.map((t) => Date.parse(t)).filter(Number.isFinite).sort((a, b) => a - b);
    for (let i = 1; i < ms.length; i++) gaps.push((ms[i]! - ms[i - 1]!) / 86_400_000);
  }
  return gaps;
}
