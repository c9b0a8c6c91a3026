import { and, avg, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { customers, decisions, orders, shops } from '../db/schema.ts';
import { explainCustomer, type CustomerExplanation } from '../models/explain.ts';
import { discountSegmentKey, loadCustomerModel, loadDiscountSegment, loadShopModel } from './model-store.ts';

export interface CustomerExplainView {
  shopId: string;
  customerId: string;
  timezone: string;
  basketValueMinor: number;
  currency: string;
  models: CustomerExplanation;
  recentDecisions: { workflowId: string; step: number; at: string; decision: Record<string, unknown> }[];
}

/** Used to value discount tiers for a customer with no orders of their own. */
const DEFAULT_BASKET_MINOR = 5000;

/** What the models believe about one customer and what they recently decided, for `explain` and the API. */
export async function explainFromDb(db: Db, customerId: string, now: Date, shopId?: string): Promise<CustomerExplainView | null> {
  const [row] = await db
    .select({ shopId: customers.shopId, timezone: customers.timezone, shopTimezone: shops.timezone, currency: shops.currency })
    .from(customers)
    .innerJoin(shops, eq(shops.id, customers.shopId))
    .where(shopId ? and(eq(customers.id, customerId), eq(customers.shopId, shopId)) : eq(customers.id, customerId));
  if (!row) return null;
  const at = now.toISOString();
  const timezone = row.timezone ?? row.shopTimezone;
  const shop = await loadShopModel(db, row.shopId);
  const customer = await loadCustomerModel(db, row.shopId, customerId, timezone, at);
  const discount = await loadDiscountSegment(db, row.shopId, discountSegmentKey(customer.lifecycle.stage), at);
  const [basket] = await db
    .select({ value: avg(orders.totalMinor) })
    .from(orders)
    .where(and(eq(orders.shopId, row.shopId), eq(orders.customerId, customerId)));
  const basketValueMinor = basket?.value ? Math.round(Number(basket.value)) : DEFAULT_BASKET_MINOR;
  const recent = await db
    .select()
    .from(decisions)
    .where(and(eq(decisions.shopId, row.shopId), eq(decisions.customerId, customerId)))
    .orderBy(desc(decisions.createdAt))
    .limit(10);
  return {
    shopId: row.shopId,
    customerId,
    timezone,
    basketValueMinor,
    currency: row.currency,
    models: explainCustomer({ customer, discount, now: at, basketValueMinor, marginRate: shop.marginRate }, shop.state),
    recentDecisions: recent.map((d) => ({ workflowId: d.workflowId, step: d.step, at: d.createdAt.toISOString(), decision: d.decision })),
  };
}
