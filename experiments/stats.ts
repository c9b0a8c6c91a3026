import { betaQuantile, logGammaFn, regularizedBeta, type BetaParams } from '../models/core/beta.ts';

// The statistics behind experiment results, pure and deterministic (numerical integration, no
// sampling), so the same counts always give the same numbers and tests can check them by hand.

export interface RatePosterior extends BetaParams {
  successes: number;
  trials: number;
  mean: number;
  /** Central 95 % credible interval. */
  interval: [number, number];
}

/** Beta posterior of a rate from `successes` out of `trials`, with a uniform Beta(1, 1) prior. */
export function ratePosterior(successes: number, trials: number, prior: BetaParams = { alpha: 1, beta: 1 }): RatePosterior {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new Error(`a rate needs 0 <= successes <= trials (got ${successes} of ${trials})`);
  }
  const alpha = prior.alpha + successes;
  const beta = prior.beta + trials - successes;
  return { alpha, beta, successes, trials, mean: alpha / (alpha + beta), interval: [betaQuantile({ alpha, beta }, 0.025), betaQuantile({ alpha, beta }, 0.975)] };
}

const GRID_INTERVALS = 4000; // even, for Simpson's rule
const TAIL = 1e-9;

function betaDensity(x: number, { alpha, beta }: BetaParams): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((alpha - 1) * Math.log(x) + (beta - 1) * Math.log(1 - x) - (logGammaFn(alpha) + logGammaFn(beta) - logGammaFn(alpha + beta)));
}

/** Simpson's rule over the span where any posterior has mass; outside it every CDF is 0 or 1. */
function integrate(posteriors: readonly BetaParams[], f: (x: number) => number): { value: number; lo: number } {
  const lo = Math.min(...posteriors.map((p) => betaQuantile(p, TAIL)));
  const hi = Math.max(...posteriors.map((p) => betaQuantile(p, 1 - TAIL)));
  const h = (hi - lo) / GRID_INTERVALS;
  let sum = f(lo) + f(hi);
  for (let i = 1; i < GRID_INTERVALS; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return { value: (sum * h) / 3, lo };
}

/** P(arm i has the highest rate) = ∫ f_i(x) Π_{j≠i} F_j(x) dx, for each arm. */
export function probabilityBest(posteriors: readonly BetaParams[]): number[] {
  if (posteriors.length === 0) return [];
  if (posteriors.length === 1) return [1];
  const raw = posteriors.map((p, i) =>
    integrate(posteriors, (x) => {
      let product = betaDensity(x, p);
      for (let j = 0; j < posteriors.length; j++) if (j !== i) product *= regularizedBeta(x, posteriors[j]!.alpha, posteriors[j]!.beta);
      return product;
    }).value,
  );
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / total);
}

/**
 * Expected loss of choosing each arm: E[max_j p_j − p_i] = E[max] − E[p_i], where
 * E[max] = ∫ (1 − Π_j F_j(x)) dx. The rate you expect to give up by picking arm i.
 */
export function expectedLoss(posteriors: readonly BetaParams[]): number[] {
  if (posteriors.length === 0) return [];
  const { value, lo } = integrate(posteriors, (x) => 1 - posteriors.reduce((prod, p) => prod * regularizedBeta(x, p.alpha, p.beta), 1));
  const expectedMax = lo + value;
  return posteriors.map((p) => Math.max(0, expectedMax - p.alpha / (p.alpha + p.beta)));
}

export interface LiftOptions {
  /** Error rate of the always-valid test and interval. */
  alpha?: number;
  /** Spread of the effects we expect (the mixing prior's standard deviation), in absolute rate. */
  tau?: number;
}

export interface Lift {
  /** Treated rate minus holdout rate. */
  absolute: number;
  /** Absolute lift over the holdout rate; null when the holdout rate is 0. */
  relative: number | null;
  /** Always-valid (1 − alpha) confidence interval of the absolute lift. */
  interval: [number, number];
  /** Always-valid p-value: stopping the first time it falls below alpha keeps the error at alpha. */
  pValue: number;
  significant: boolean;
}

/**
 * Incremental lift of a treated arm over the holdout with the mixture sequential probability ratio
 * test (Johari, Pekelis & Walsh, "Always valid inference", 2017) on the difference of two rates, with
 * a normal mixing prior of spread `tau`. Its likelihood ratio is a martingale under no effect, so
 * looking every day (or every minute) does not inflate the error rate, unlike a fixed-horizon test.
 */
export function liftOverHoldout(
  treated: { successes: number; trials: number },
  holdout: { successes: number; trials: number },
  options: LiftOptions = {},
): Lift | null {
  const alpha = options.alpha ?? 0.05;
  const tau2 = (options.tau ?? 0.01) ** 2;
  if (treated.trials === 0 || holdout.trials === 0) return null;
  const p1 = treated.successes / treated.trials;
  const p0 = holdout.successes / holdout.trials;
  const diff = p1 - p0;
  // Half a success on each side keeps the variance positive when a rate is 0 or 1.
  const smooth = (s: number, n: number) => (s + 0.5) / (n + 1);
  const s1 = smooth(treated.successes, treated.trials);
  const s0 = smooth(holdout.successes, holdout.trials);
  const v = (s1 * (1 - s1)) / treated.trials + (s0 * (1 - s0)) / holdout.trials;
  const logLambda = 0.5 * Math.log(v / (v + tau2)) + (tau2 * diff * diff) / (2 * v * (v + tau2));
  const pValue = Math.min(1, Math.exp(-logLambda));
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
  // A difference of two rates lies in [-1, 1]; cutting the sequence there keeps it valid and readable.
  const interval: [number, number] = [Math.max(-1, diff - half), Math.min(1, diff + half)];
  return { absolute: diff, relative: p0 > 0 ? diff / p0 : null, interval, pValue, significant: pValue < alpha };
}

export interface StoppingRule {
  alpha: number;
  /** Stop on a winner when picking it costs less than this much expected conversion rate. */
  lossThreshold: number;
  /** No Bayesian stop before every arm has this many exposed customers. */
  minExposuresPerArm: number;
}
export const DEFAULT_STOPPING: StoppingRule = { alpha: 0.05, lossThreshold: 0.0005, minExposuresPerArm: 200 };

export type StopAdvice =
  | { stop: false; reason: string }
  | { stop: true; reason: string; winner: string | null };

/**
 * When to stop: the variant whose expected loss falls under the threshold wins (a Bayesian decision
 * rule, unaffected by how often results are looked at); or, with a holdout, as soon as the always-valid
 * test says the best variant's lift is real (either sign). Until then: keep running.
 */
export function stoppingAdvice(
  arms: { key: string; exposed: number; expectedLoss: number; lift: Lift | null }[],
  rule: StoppingRule = DEFAULT_STOPPING,
): StopAdvice {
  if (arms.length === 0) return { stop: false, reason: 'no exposures yet' };
  const best = arms.reduce((a, b) => (b.expectedLoss < a.expectedLoss ? b : a));
  const lift = best.lift;
  if (lift && lift.pValue < rule.alpha) {
    return { stop: true, winner: lift.absolute > 0 ? best.key : null,
      reason: `${best.key} ${lift.absolute > 0 ? 'beats' : 'does worse than'} the holdout (always-valid p = ${lift.pValue.toPrecision(2)})` };
  }
  const thin = arms.filter((a) => a.exposed < rule.minExposuresPerArm);
  if (thin.length > 0) return { stop: false, reason: `waiting for ${rule.minExposuresPerArm} customers in ${thin.map((a) => a.key).join(', ')}` };
  if (arms.length > 1 && best.expectedLoss < rule.lossThreshold) {
    return { stop: true, winner: best.key, reason: `${best.key} has expected loss ${best.expectedLoss.toExponential(2)} < ${rule.lossThreshold}` };
  }
  return { stop: false, reason: `no variant is clearly best yet (lowest expected loss ${best.expectedLoss.toExponential(2)} for ${best.key})` };
}
