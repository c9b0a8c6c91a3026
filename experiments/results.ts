import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { machineOpenSql } from '../attribution/machine-opens.ts';
import { loadAttributionSettings } from '../attribution/settings.ts';
import { betaQuantile, logGammaFn } from '../models/core/beta.ts';
import { HOLDOUT } from './definition.ts';
import { expectedLoss, liftOverHoldout, probabilityBest, ratePosterior, stoppingAdvice, type Lift, type RatePosterior, type StopAdvice } from './stats.ts';
import type { Experiment } from './store.ts';

export interface ArmCounts {
  variant: string;
  holdout: boolean;
  /** Customers exposed (one per customer: assignment is sticky). */
  exposed: number;
  /** Exposed customers who were sent at least one message. */
  sent: number;
  opened: number;
  clicked: number;
  /** Exposed customers with an order within the conversion window after their first exposure. */
  converted: number;
  revenueMinor: number;
  /** Orders credited to the arm's messages by the attribution rules, their revenue and discount. */
  attributedOrders: number;
  attributedRevenueMinor: number;
  attributedDiscountMinor: number;
}

export interface ArmResult extends ArmCounts {
  open: RatePosterior | null;
  click: RatePosterior | null;
  conversion: RatePosterior;
  probabilityBest: number | null;
  expectedLoss: number | null;
  lift: Lift | null;
  /** The conversion posterior's density, for drawing. */
  density: { x: number[]; y: number[] };
}

export interface ExperimentResults {
  experiment: Pick<Experiment, 'id' | 'name' | 'status' | 'journeys' | 'holdoutShare' | 'createdAt' | 'stoppedAt'>;
  excludeMachineOpens: boolean;
  arms: ArmResult[];
  advice: StopAdvice;
}

/**
 * Counts per arm, aggregated in SQL. Conversion is intention-to-treat: any order the customer places
 * within the window after their first exposure, sent a message or not, so the holdout (which gets none)
 * is comparable and the lift is incremental.
 */
export async function armCounts(database: Database, experiment: Experiment, excludeMachineOpens: boolean): Promise<ArmCounts[]> {
  const notMachine = excludeMachineOpens ? sql`not ${machineOpenSql(sql`pe.detail`)}` : sql`true`;
  // Per customer: first exposure, then their messages, engagement and orders by index look-ups.
  const rows = await database.rows<Record<string, unknown>>(sql`
    select variant, holdout, count(*) as exposed,
      count(*) filter (where m.sent > 0) as sent, count(*) filter (where m.opened > 0) as opened, count(*) filter (where m.clicked > 0) as clicked,
      count(*) filter (where conv.orders > 0) as converted, coalesce(sum(conv.revenue), 0) as revenue,
      coalesce(sum(m.attr_orders), 0) as attr_orders, coalesce(sum(m.attr_revenue), 0) as attr_revenue, coalesce(sum(m.attr_discount), 0) as attr_discount
    from (
      select customer_id, variant, bool_or(holdout) as holdout, min(exposed_at) as exposed_at
      from experiment_exposures where experiment_id = ${experiment.id}
      group by customer_id, variant
    ) f
    cross join lateral (
      select count(d.id) as sent,
        count(*) filter (where exists (select 1 from provider_events pe where pe.dispatch_id = d.id and pe.kind = 'opened' and ${notMachine})) as opened,
        count(*) filter (where exists (select 1 from provider_events pe where pe.dispatch_id = d.id and pe.kind = 'clicked')) as clicked,
        coalesce(sum(a.orders), 0) as attr_orders, coalesce(sum(a.revenue), 0) as attr_revenue, coalesce(sum(a.discount), 0) as attr_discount
      from experiment_exposures e
      join dispatches d on d.workflow_id = e.workflow_id and d.step = e.step and d.shop_id = e.shop_id and d.sent_at is not null
      cross join lateral (
        select count(*) as orders, coalesce(sum(o.total_minor), 0) as revenue, coalesce(sum(o.discount_minor), 0) as discount
        from orders o where o.attributed_dispatch_id = d.id and o.shop_id = ${experiment.shopId} and o.status <> 'cancelled'
      ) a
      where e.experiment_id = ${experiment.id} and e.customer_id = f.customer_id
    ) m
    cross join lateral (
      select count(*) as orders, coalesce(sum(o.total_minor), 0) as revenue from orders o
      where o.shop_id = ${experiment.shopId} and o.customer_id = f.customer_id and o.status <> 'cancelled'
        and o.placed_at >= f.exposed_at and o.placed_at <= f.exposed_at + ${experiment.conversionWindowMs} * interval '1 millisecond'
    ) conv
    group by variant, holdout
  `);
  const found = new Map(rows.map((r) => [String(r.variant), r]));
  // Every defined arm appears, with zeros until someone is exposed to it.
  const keys = [...experiment.variants.map((v) => v.key), ...(experiment.holdoutShare > 0 || found.has(HOLDOUT) ? [HOLDOUT] : [])];
  return keys.map((variant) => {
    const r = found.get(variant) ?? {};
    const n = (k: string) => Number(r[k] ?? 0);
    return {
      variant, holdout: variant === HOLDOUT, exposed: n('exposed'), sent: n('sent'), opened: n('opened'), clicked: n('clicked'),
      converted: n('converted'), revenueMinor: n('revenue'), attributedOrders: n('attr_orders'), attributedRevenueMinor: n('attr_revenue'), attributedDiscountMinor: n('attr_discount'),
    };
  });
}

/** Posteriors, probability of being best, expected loss, lift over the holdout and stopping advice. */
export function analyse(counts: readonly ArmCounts[]): { arms: ArmResult[]; advice: StopAdvice } {
  const treated = counts.filter((c) => !c.holdout);
  const holdout = counts.find((c) => c.holdout) ?? null;
  const conversion = counts.map((c) => ratePosterior(c.converted, c.exposed));
  const treatedPosteriors = treated.map((c) => ratePosterior(c.converted, c.exposed));
  const best = probabilityBest(treatedPosteriors);
  const loss = expectedLoss(treatedPosteriors);
  const grid = densityGrid(conversion);
  const arms = counts.map((c, i): ArmResult => {
    const t = treated.indexOf(c);
    const post = conversion[i]!;
    return {
      ...c,
      open: c.holdout ? null : ratePosterior(c.opened, c.sent),
      click: c.holdout ? null : ratePosterior(c.clicked, c.sent),
      conversion: post,
      probabilityBest: t >= 0 ? best[t]! : null,
      expectedLoss: t >= 0 ? loss[t]! : null,
      lift: t >= 0 && holdout ? liftOverHoldout({ successes: c.converted, trials: c.exposed }, { successes: holdout.converted, trials: holdout.exposed }) : null,
      density: { x: grid, y: grid.map((x) => betaDensity(x, post.alpha, post.beta)) },
    };
  });
  const advice = stoppingAdvice(arms.filter((a) => !a.holdout).map((a) => ({ key: a.variant, exposed: a.exposed, expectedLoss: a.expectedLoss ?? 1, lift: a.lift })));
  return { arms, advice };
}

export async function experimentResults(database: Database, experiment: Experiment): Promise<ExperimentResults> {
  const { excludeMachineOpens } = await loadAttributionSettings(database.db, experiment.shopId);
  const { arms, advice } = analyse(await armCounts(database, experiment, excludeMachineOpens));
  const { id, name, status, journeys, holdoutShare, createdAt, stoppedAt } = experiment;
  return { experiment: { id, name, status, journeys, holdoutShare, createdAt, stoppedAt }, excludeMachineOpens, arms, advice };
}

const DENSITY_POINTS = 80;

function densityGrid(posteriors: readonly RatePosterior[]): number[] {
  const lo = Math.min(...posteriors.map((p) => betaQuantile(p, 0.0005)));
  const hi = Math.max(...posteriors.map((p) => betaQuantile(p, 0.9995)));
  return Array.from({ length: DENSITY_POINTS }, (_, i) => lo + ((hi - lo) * i) / (DENSITY_POINTS - 1));
}

function betaDensity(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - logGammaFn(a) - logGammaFn(b) + logGammaFn(a + b));
}
