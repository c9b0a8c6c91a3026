import { createHash } from 'node:crypto';
import type { VariantDefinition } from '../db/schema-experiments.ts';
import { HOLDOUT } from './definition.ts';

export interface Assignment {
  variant: string;
  holdout: boolean;
  /** Probability this customer had of landing in this arm (logged for offline evaluation). */
  propensity: number;
}

/**
 * A number in [0, 1) fixed by (salt, customer): the first 52 bits of SHA-256. The salt is the
 * experiment's own, so two experiments split the same customers independently.
 */
export function assignmentUnit(salt: string, customerId: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${customerId}`).digest();
  const high = digest.readUInt32BE(0) >>> 12; // 20 bits
  const low = digest.readUInt32BE(4); // 32 bits
  return (high * 2 ** 32 + low) / 2 ** 52;
}

/**
 * Sticky assignment: the holdout takes the first `holdoutShare` of the unit interval, the variants
 * share the rest in proportion to their weights. Same inputs, same arm, on every call and process.
 */
export function assignVariant(experiment: { salt: string; holdoutShare: number; variants: readonly VariantDefinition[] }, customerId: string): Assignment {
  const { holdoutShare, variants } = experiment;
  if (variants.length === 0) throw new Error('an experiment needs at least one variant');
  const u = assignmentUnit(experiment.salt, customerId);
  if (u < holdoutShare) return { variant: HOLDOUT, holdout: true, propensity: holdoutShare };
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  const point = ((u - holdoutShare) / (1 - holdoutShare)) * total;
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.weight;
    if (point < cumulative) return { variant: v.key, holdout: false, propensity: ((1 - holdoutShare) * v.weight) / total };
  }
  // Rounding can leave the point a hair past the last boundary.
  const last = variants[variants.length - 1]!;
  return { variant: last.key, holdout: false, propensity: ((1 - holdoutShare) * last.weight) / total };
}
