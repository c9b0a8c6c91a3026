// Offline evaluation of a policy from logged decisions: what would the average reward have been had
// `target` decided instead of the logging policy? Each logged decision carries the propensity of the
// action actually taken (Decision.propensities.action), which is what makes these estimates unbiased.
//   IPS  = mean( π(a|x)/μ(a|x) · r )
//   SNIPS = Σ w·r / Σ w (self-normalised: biased but far less variable)
//   DR   = mean( Σ_a π(a|x) q̂(x,a) + w · (r − q̂(x,a_logged)) )  (unbiased if either μ or q̂ is right)

export type LoggedDecision = {
  /** μ(a|x): probability the logging policy gave the action it took. */
  loggedPropensity: number;
  /** Observed reward, e.g. incremental margin in minor units or 1/0 for conversion. */
  reward: number;
  /** π(a|x): probability the evaluated policy gives the same action in the same context. */
  targetProbability: number;
};

export type DoublyRobustRecord = LoggedDecision & {
  /** q̂(x, a_logged): reward model's prediction for the action that was taken. */
  predictedReward: number;
  /** Σ_a π(a|x) q̂(x,a): reward model's prediction for the evaluated policy in this context. */
  targetPredictedReward: number;
};

export type Estimate = {
  value: number;
  /** Standard error from the per-decision terms (for IPS and DR); NaN when fewer than two decisions. */
  standardError: number;
  /** (Σw)² / Σw²: how many decisions the estimate is effectively worth. */
  effectiveSampleSize: number;
  count: number;
};

export type OffPolicyOptions = {
  /** Importance weights above this are clipped (trading a little bias for much less variance). */
  maxWeight?: number;
};

export function ipsEstimate(records: readonly LoggedDecision[], options: OffPolicyOptions = {}): Estimate {
  const weights = records.map((r) => weight(r, options));
  return summarise(records.map((r, i) => weights[i]! * r.reward), weights);
}

export function snipsEstimate(records: readonly LoggedDecision[], options: OffPolicyOptions = {}): Estimate {
  const weights = records.map((r) => weight(r, options));
  const total = weights.reduce((a, b) => a + b, 0);
  const base = summarise(records.map((r, i) => weights[i]! * r.reward), weights);
  if (total === 0) return { ...base, value: NaN };
  const value = records.reduce((sum, r, i) => sum + weights[i]! * r.reward, 0) / total;
  // Delta-method standard error of a ratio estimator.
  const terms = records.map((r, i) => (weights[i]! * (r.reward - value) * records.length) / total);
  return { ...base, value, standardError: standardError(terms) };
}

export function doublyRobustEstimate(records: readonly DoublyRobustRecord[], options: OffPolicyOptions = {}): Estimate {
  const weights = records.map((r) => weight(r, options));
  const terms = records.map((r, i) => r.targetPredictedReward + weights[i]! * (r.reward - r.predictedReward));
  return summarise(terms, weights);
}

function weight(r: LoggedDecision, { maxWeight = Infinity }: OffPolicyOptions): number {
  if (!(r.loggedPropensity > 0)) {
    throw new RangeError(`logged propensity must be > 0 (got ${r.loggedPropensity}); an action with propensity 0 cannot have been taken — check what was logged`);
  }
  return Math.min(r.targetProbability / r.loggedPropensity, maxWeight);
}

function summarise(terms: readonly number[], weights: readonly number[]): Estimate {
  const n = terms.length;
  const sumW = weights.reduce((a, b) => a + b, 0);
  const sumW2 = weights.reduce((a, b) => a + b * b, 0);
  return {
    value: n === 0 ? NaN : terms.reduce((a, b) => a + b, 0) / n,
    standardError: standardError(terms),
    effectiveSampleSize: sumW2 === 0 ? 0 : (sumW * sumW) / sumW2,
    count: n,
  };
}

function standardError(terms: readonly number[]): number {
  const n = terms.length;
  if (n < 2) return NaN;
  const mean = terms.reduce((a, b) => a + b, 0) / n;
  const variance = terms.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/**
 * π(a|x) for a logged action key under a target policy's decision for the same context (re-run
 * decideAction with the target's settings and `maxAlternatives: Infinity`, or an action missing from a
 * truncated list reads as 0).
 */
export function actionProbability(
  decision: { alternatives: readonly { key: string; winProbability: number }[] },
  key: string,
): number {
  return decision.alternatives.find((a) => a.key === key)?.winProbability ?? 0;
}
