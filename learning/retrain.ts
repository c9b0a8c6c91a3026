import { and, asc, eq, gt, ne } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { customers, orders } from '../db/schema.ts';
import { customerModelStates, shopModelStates } from '../db/schema-models.ts';
import { countsAt } from '../models/core/decay.ts';
import { priorFromShopRate } from '../models/channel/posterior.ts';
import type { StageChange } from '../models/lifecycle/classify.ts';
import { fitStageThresholds, repeatPurchaseGaps, type StageThresholds } from '../models/lifecycle/thresholds.ts';
import { buildPopulationCurve } from '../models/sendtime/curve.ts';
import type { ChannelPrior, HourCounts, ShopModelState } from '../models/state.ts';
import { PERSON_CHANNELS, STAGES, type PersonChannel } from '../models/types.ts';
import { loadShopModel } from './model-store.ts';
import { recomputeStage } from './stage.ts';

/** A shop-level prior is worth this many sends at most, so each customer's own evidence still counts. */
const PRIOR_EFFECTIVE_SIZE = 20;
/** A stage gets its own prior once its customers have this many (decayed) sends. */
const MIN_STAGE_TRIALS = 50;
const PAGE = 1000;

export interface RetrainResult {
  shopId: string;
  customers: number;
  thresholds: StageThresholds;
  priors: Partial<Record<PersonChannel, ChannelPrior>>;
  stageChanges: { customerId: string; change: StageChange }[];
}

/**
 * The scheduled refit of one shop: stage thresholds from its repeat-purchase gaps, channel priors per
 * channel and stage from its customers' posteriors, population send-time curves; then every
 * customer's stage is recomputed (time alone turns active customers at-risk), and the changes are
 * returned so win-back journeys can start.
 */
export async function retrainShop(database: Database, shopId: string, now: Date, options: { refit?: boolean } = {}): Promise<RetrainResult> {
  const { db } = database;
  const refit = options.refit ?? true;
  const nowMs = now.getTime();
  const shop = await loadShopModel(db, shopId);
  if (!refit) {
    return { shopId, customers: 0, thresholds: shop.thresholds, priors: {}, stageChanges: await sweepStages(database, shopId, now) };
  }
  const halfLife = shop.state.halfLifeDays;

  const purchases = new Map<string, string[]>();
  const orderRows = await db
    .select({ customerId: orders.customerId, placedAt: orders.placedAt })
    .from(orders)
    .where(and(eq(orders.shopId, shopId), ne(orders.status, 'cancelled'), ne(orders.status, 'refunded')));
  for (const o of orderRows) purchases.set(o.customerId, [...(purchases.get(o.customerId) ?? []), o.placedAt.toISOString()]);
  const thresholds = fitStageThresholds(repeatPurchaseGaps([...purchases.values()]));

  const totals = new Map<string, { engaged: number; trials: number }>();
  const add = (key: string, s: number, f: number) => {
    const t = totals.get(key) ?? { engaged: 0, trials: 0 };
    t.engaged += s;
    t.trials += s + f;
    totals.set(key, t);
  };
  const hourCounts: Record<PersonChannel, HourCounts[]> = { email: [], sms: [], whatsapp: [], push: [] };
  let count = 0;
  for (let after = ''; ; ) {
    const page = await db
      .select({ customerId: customerModelStates.customerId, state: customerModelStates.state })
      .from(customerModelStates)
      .where(and(eq(customerModelStates.shopId, shopId), gt(customerModelStates.customerId, after)))
      .orderBy(asc(customerModelStates.customerId))
      .limit(PAGE);
    for (const { state } of page) {
      for (const channel of PERSON_CHANNELS) {
        const c = countsAt(state.channels[channel], nowMs, halfLife);
        if (c.successes + c.failures > 0) {
          add(channel, c.successes, c.failures);
          add(`${channel}:${state.lifecycle.stage}`, c.successes, c.failures);
        }
        const hours = state.sendTime[channel];
        if (hours) hourCounts[channel].push(hours);
      }
    }
    count += page.length;
    if (page.length < PAGE) break;
    after = page.at(-1)!.customerId;
  }

  const priors: Partial<Record<PersonChannel, ChannelPrior>> = {};
  const population: Partial<Record<PersonChannel, number[]>> = {};
  for (const channel of PERSON_CHANNELS) {
    const all = totals.get(channel);
    if (all && all.trials > 0) {
      const byStage: ChannelPrior['byStage'] = {};
      for (const stage of STAGES) {
        const t = totals.get(`${channel}:${stage}`);
        if (t && t.trials >= MIN_STAGE_TRIALS) byStage[stage] = priorFromShopRate(t.engaged, t.trials, PRIOR_EFFECTIVE_SIZE);
      }
      priors[channel] = { all: priorFromShopRate(all.engaged, all.trials, PRIOR_EFFECTIVE_SIZE), byStage };
    }
    if (hourCounts[channel].length > 0) population[channel] = buildPopulationCurve(hourCounts[channel], nowMs, halfLife);
  }
  const state: ShopModelState = {
    ...shop.state,
    channelPriors: { ...shop.state.channelPriors, ...priors },
    sendTime: { ...shop.state.sendTime, population: { ...shop.state.sendTime.population, ...population } },
  };
  await db
    .insert(shopModelStates)
    .values({ shopId, state, stageThresholds: thresholds, retrainedAt: now })
    .onConflictDoUpdate({ target: shopModelStates.shopId, set: { state, stageThresholds: thresholds, retrainedAt: now, updatedAt: now } });

  return { shopId, customers: count, thresholds, priors, stageChanges: await sweepStages(database, shopId, now) };
}

/** Recomputes every customer's stage; time alone turns active customers at-risk and at-risk ones lapsed. */
export async function sweepStages(database: Database, shopId: string, now: Date): Promise<RetrainResult['stageChanges']> {
  const { db } = database;
  const stageChanges: RetrainResult['stageChanges'] = [];
  for (let after = ''; ; ) {
    const page = await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.shopId, shopId), gt(customers.id, after)))
      .orderBy(asc(customers.id))
      .limit(PAGE);
    for (const { id } of page) {
      const change = await db.transaction((tx) => recomputeStage(tx, shopId, id, now));
      if (change) stageChanges.push({ customerId: id, change });
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  return stageChanges;
}
