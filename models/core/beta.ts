// Closed-form facts about Beta(a, b) posteriors, used for explanations (mean and credible interval).
// Sampling lives in rng.ts; this file never draws random numbers.

export type BetaParams = { alpha: number; beta: number };

export function betaMean({ alpha, beta }: BetaParams): number {
  return alpha / (alpha + beta);
}

/** Central credible interval holding `mass` of the posterior, e.g. 0.9 for a 90 % interval. */
export function betaInterval(params: BetaParams, mass = 0.9): [number, number] {
  const tail = (1 - mass) / 2;
  return [betaQuantile(params, tail), betaQuantile(params, 1 - tail)];
}

/** Inverse CDF by bisection on the regularized incomplete beta; 60 halvings reach double precision. */
export function betaQuantile({ alpha, beta }: BetaParams, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(mid, alpha, beta) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** I_x(a, b): the Beta CDF, by Lentz's continued fraction (Numerical Recipes, section 6.4). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log(1 - x) - logBetaFn(a, b);
  // The fraction converges fast only below the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) above it.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * continuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * continuedFraction(1 - x, b, a)) / b;
}

function continuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) break;
  }
  return h;
}

function logBetaFn(a: number, b: number): number {
  return logGammaFn(a) + logGammaFn(b) - logGammaFn(a + b);
}

// Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGammaFn(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGammaFn(1 - z);
  const zz = z - 1;
  let x = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) x += LANCZOS[i]! / (zz + i);
  const t = zz + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x);
}
