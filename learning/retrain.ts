import { and, asc, eq, gt, ne } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { customers, orders } from '../db/schema.ts';
import { customerModelStates, discountSegmentStates, shopModelStates } from '../db/schema-models.ts';
import type { StageChange } from '../models/lifecycle/classify.ts';
import { fitStageThresholds, repeatPurchaseGaps, type StageThresholds } from '../models/lifecycle/thresholds.ts';
import { addDiscountSegmentToRefit, addToRefit, applyRefit, finishRefit, startRefit } from '../models/refit.ts';
import type { ChannelPrior } from '../models/state.ts';
import type { PersonChannel } from '../models/types.ts';
import { loadShopModel } from './model-store.ts';
import { recomputeStage } from './stage.ts';

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
 * channel and stage from its customers' posteriors, population send-time curves, the site habit, and the
 * discount prior's rate from every discount segment's undiscounted conversions; then every
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
  const purchases = new Map<string, string[]>();
  const orderRows = await db
    .select({ customerId: orders.customerId, placedAt: orders.placedAt })
    .from(orders)
    .where(and(eq(orders.shopId, shopId), ne(orders.status, 'cancelled'), ne(orders.status, 'refunded')));
  for (const o of orderRows) purchases.set(o.customerId, [...(purchases.get(o.customerId) ?? []), o.placedAt.toISOString()]);
  const thresholds = fitStageThresholds(repeatPurchaseGaps([...purchases.values()]));

  const refitted = startRefit(nowMs, { halfLifeDays: shop.state.halfLifeDays });
  for (let after = ''; ; ) {
    const page = await db
      .select({ customerId: customerModelStates.customerId, state: customerModelStates.state })
      .from(customerModelStates)
      .where(and(eq(customerModelStates.shopId, shopId), gt(customerModelStates.customerId, after)))
      .orderBy(asc(customerModelStates.customerId))
      .limit(PAGE);
    for (const { state } of page) addToRefit(refitted, state);
    if (page.length < PAGE) break;
    after = page.at(-1)!.customerId;
  }
  // One row per discount segment (a few per shop).
  const segments = await db.select({ state: discountSegmentStates.state }).from(discountSegmentStates).where(eq(discountSegmentStates.shopId, shopId));
  for (const { state } of segments) addDiscountSegmentToRefit(refitted, state);
  const result = finishRefit(refitted);
  const state = applyRefit(shop.state, result);
  await db
    .insert(shopModelStates)
    .values({ shopId, state, stageThresholds: thresholds, retrainedAt: now })
    .onConflictDoUpdate({ target: shopModelStates.shopId, set: { state, stageThresholds: thresholds, retrainedAt: now, updatedAt: now } });

  return { shopId, customers: result.customers, thresholds, priors: result.priors, stageChanges: await sweepStages(database, shopId, now) };
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
