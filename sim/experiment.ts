// One experiment: for each seed, one hidden world, every policy run on it with the same shocks, the
// metrics per seed, then their means and 95 % intervals over seeds.

import { emailFirst, bestChannelByRatio, holdout, populationBestHour, sameHour } from './policies/baselines.ts';
import { NextbestPolicy } from './policies/nextbest.ts';
import { oracle } from './policies/oracle.ts';
import { interval, METRICS, seedMetrics, type Interval, type MetricName, type Tally } from './metrics.ts';
import type { Policy } from './policy.ts';
import { runPolicy } from './run.ts';
import type { Scenario } from './scenario.ts';
import { findViolations } from './violations.ts';
import { generateWorld, type World } from './world.ts';

export const POLICY_NAMES = [
  'holdout', 'email-first', 'same-hour-9am', 'flat-15', 'population-best-hour', 'best-channel-by-ratio', 'nextbest',
  'nextbest-flat-15', 'nextbest-no-site-activity', 'nextbest-daily-retrain', 'nextbest-no-channel', 'nextbest-no-sendtime', 'nextbest-no-discount', 'nextbest-no-lifecycle', 'oracle',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export type ExperimentOptions = { propensityDraws?: number; policies?: readonly PolicyName[] };

export function makePolicy(name: PolicyName, world: World, options: ExperimentOptions = {}): Policy {
  const draws = options.propensityDraws !== undefined ? { propensityDraws: options.propensityDraws } : {};
  switch (name) {
    case 'holdout': return holdout;
    case 'email-first': return emailFirst(0);
    case 'same-hour-9am': return sameHour(world.scenario.shopTimeZone);
    case 'flat-15': return emailFirst(15);
    case 'population-best-hour': return populationBestHour(world.seed);
    case 'best-channel-by-ratio': return bestChannelByRatio();
    case 'nextbest': return new NextbestPolicy({ ...draws });
    case 'nextbest-flat-15': return new NextbestPolicy({ name, fixedTier: 15, ...draws });
    case 'nextbest-no-site-activity': return new NextbestPolicy({ name, siteActivity: false, ...draws });
    case 'nextbest-daily-retrain': return new NextbestPolicy({ name, retrain: 'daily', ...draws });
    case 'nextbest-no-channel': return new NextbestPolicy({ name, channel: false, ...draws });
    case 'nextbest-no-sendtime': return new NextbestPolicy({ name, sendTime: false, ...draws });
    case 'nextbest-no-discount': return new NextbestPolicy({ name, discount: false, ...draws });
    case 'nextbest-no-lifecycle': return new NextbestPolicy({ name, lifecycle: false, ...draws });
    case 'oracle': return oracle();
  }
}

export type SeedResult = { seed: number; tallies: Record<string, Tally> };

export function runSeed(scenario: Scenario, seed: number, options: ExperimentOptions = {}): SeedResult {
  const world = generateWorld(scenario, seed);
  const tallies: Record<string, Tally> = {};
  for (const name of options.policies ?? POLICY_NAMES) {
    const result = runPolicy(world, makePolicy(name, world, options));
    result.tally.violations = findViolations(world, result.sends).length;
    tallies[name] = result.tally;
  }
  return { seed, tallies };
}

export type Summary = Record<string, Record<MetricName, Interval>>;

/** Means and intervals per policy; needs holdout and oracle in every seed. */
export function summarize(seeds: readonly SeedResult[]): Summary {
  const out: Summary = {};
  const names = Object.keys(seeds[0]?.tallies ?? {});
  for (const name of names) {
    const perSeed = seeds.map((s) => seedMetrics(s.tallies[name]!, s.tallies.holdout!, s.tallies.oracle!));
    out[name] = Object.fromEntries(METRICS.map((m) => [m, interval(perSeed.map((p) => p[m]))])) as Record<MetricName, Interval>;
  }
  return out;
}

/** A per-seed comparison of two policies (paired over seeds, as they share each seed's world). */
export function pairedRatio(seeds: readonly SeedResult[], f: (t: Record<string, Tally>) => number): Interval {
  return interval(seeds.map((s) => f(s.tallies)));
}
