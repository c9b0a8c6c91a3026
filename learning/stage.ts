import { and, eq } from 'drizzle-orm';
import { customers, orders, shops } from '../db/schema.ts';
import { classifyStage, stageChanged, type StageChange } from '../models/lifecycle/classify.ts';
import type { Stage } from '../models/types.ts';
import { loadCustomerModel, loadShopModel, saveCustomerModel, type Tx } from './model-store.ts';

/**
 * Recomputes a customer's lifecycle stage from their orders (refunds included) and stores it on the
 * customer and in their model state. Returns the change, if any: a turn to at-risk or lapsed is what
 * starts a win-back journey. Call it on every order and refund, and from the daily sweep (time alone
 * moves a customer from active to at-risk).
 */
export async function recomputeStage(tx: Tx, shopId: string, customerId: string, now: Date): Promise<StageChange | null> {
  const [row] = await tx
    .select({ stage: customers.stage, timezone: customers.timezone, shopTimezone: shops.timezone })
    .from(customers)
    .innerJoin(shops, eq(shops.id, customers.shopId))
    .where(and(eq(customers.shopId, shopId), eq(customers.id, customerId)))
    .for('update');
  if (!row) return null;
  const history = await tx
    .select({ placedAt: orders.placedAt, totalMinor: orders.totalMinor, status: orders.status })
    .from(orders)
    .where(and(eq(orders.shopId, shopId), eq(orders.customerId, customerId)));
  const shop = await loadShopModel(tx, shopId);
  const previous = row.stage as Stage;
  const result = classifyStage({
    orders: history
      .filter((o) => o.status !== 'cancelled')
      .map((o) => ({ at: o.placedAt.toISOString(), valueMinor: o.totalMinor, refunded: o.status === 'refunded' })),
    now: now.toISOString(),
    previousStage: previous,
    thresholds: shop.thresholds,
  });
  const change = stageChanged(previous, result.stage);
  const at = now.toISOString();
  const state = await loadCustomerModel(tx, shopId, customerId, row.timezone ?? row.shopTimezone, at, { forUpdate: true });
  await saveCustomerModel(tx, shopId, customerId, {
    ...state,
    lifecycle: { stage: result.stage, why: result.why, since: change ? at : state.lifecycle.since },
  });
  if (change) await tx.update(customers).set({ stage: result.stage, stageChangedAt: now }).where(eq(customers.id, customerId));
  return change;
}
