// Random draws of the hidden world, all from the models' seeded generator (sfc32) so a run is replayable.
// Shocks are keyed by (seed, customer, cart): every policy meets the same dice for the same cart.

import { Rng } from '../models/index.ts';

export function lognormalMultiplier(rng: Rng, sigma: number): number {
  return sigma > 0 ? Math.exp(sigma * rng.normal() - (sigma * sigma) / 2) : 1;
}

export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(rng.nextOpen());
}

/** Gamma with the given shape and mean. */
export function gammaWithMean(rng: Rng, shape: number, mean: number): number {
  return (rng.gamma(shape) * mean) / shape;
}

export function pickWeighted(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Dirichlet with equal concentration `alpha`. */
export function dirichlet(rng: Rng, k: number, alpha: number): number[] {
  const g = Array.from({ length: k }, () => rng.gamma(alpha));
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((x) => x / total);
}

/** The uniforms one cart's journey can consume, drawn in a fixed order so they never depend on the policy. */
export type CartShocks = {
  organic: number;
  organicEarly: number;
  organicTime: number;
  open: number;
  click: number;
  convert: number;
  unsubscribe: number;
  orderDelay: number;
  clickDelay: number;
  explore: number;
};

export function cartShocks(seed: number, customer: number, cart: number): CartShocks {
  return shocksFrom(new Rng(`shock|${seed}|${customer}|${cart}`));
}

/** The uniforms of a later touch of the same cart's journey (step ≥ 2): its own stream, so the first touch's dice stay as they were. */
export function touchShocks(seed: number, customer: number, cart: number, step: number): CartShocks {
  return shocksFrom(new Rng(`shock|${seed}|${customer}|${cart}|touch${step}`));
}

function shocksFrom(rng: Rng): CartShocks {
  return {
    organic: rng.next(),
    organicEarly: rng.next(),
    organicTime: rng.nextOpen(),
    open: rng.next(),
    click: rng.next(),
    convert: rng.next(),
    unsubscribe: rng.next(),
    orderDelay: rng.nextOpen(),
    clickDelay: rng.nextOpen(),
    explore: rng.next(),
  };
}
