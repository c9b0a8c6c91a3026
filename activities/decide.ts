import { and, eq, inArray } from 'drizzle-orm';
import { decisions, products } from '../db/schema.ts';
import { discountSegmentKey, loadCustomerModel, loadDiscountSegment, loadShopModel } from '../learning/model-store.ts';
import { decideStep, decisionRecord } from '../learning/decide-core.ts';
import type { VariantChanges } from '../db/schema-experiments.ts';
import type { DecideRequest, Decision } from '../workflows/types.ts';
import { loadCustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

/**
 * Chooses channel, send instant and discount tier for one journey step with the decision models
 * (models/decide.ts) over the customer's stored posteriors, and stores the choice with its
 * propensities. A retry, or a replayed workflow, gets the stored decision back: a step is decided once.
 */
export function createDecide(deps: ActivityDeps) {
  return async function decide(request: DecideRequest, changes?: VariantChanges): Promise<Decision> {
    const { db } = deps.database;
    // The workflow's clock, not the activity's: replays and time-skipping tests see the same decision.
    const now = request.earliest;
    // Independent reads go out together; on Postgres each takes its own pooled connection.
    const [stored, context, shop, prices] = await Promise.all([
      storedDecision(deps, request),
      loadCustomerContext(db, request.shopId, request.customerId),
      loadShopModel(db, request.shopId),
      pricesNow(deps, request),
    ]);
    if (stored) return stored;
    const customer = await loadCustomerModel(db, request.shopId, request.customerId, context.timezone, now);
    const discount = await loadDiscountSegment(db, request.shopId, discountSegmentKey(customer.lifecycle.stage), now);
    const basketValueMinor = Object.values(prices).reduce((sum, p) => sum + p, 0);
    const decided = decideStep({ request, context, shop, customer, discount, basketValueMinor, timeScale: deps.timeScale, changes: changes ?? null });
    const model = decided.model;
    // The prices the choice was made at: the re-check before sending refuses an offer whose items cost more by then.
    const decision: Decision = decided.decision.action === 'send' && Object.keys(prices).length > 0 ? { ...decided.decision, pricesMinor: prices } : decided.decision;
    const inserted = await db
      .insert(decisions)
      .values({
        shopId: request.shopId,
        customerId: request.customerId,
        workflowId: request.workflowId,
        step: request.step,
        decision: decisionRecord(decision, model, customer.lifecycle.stage),
      })
      .onConflictDoNothing()
      .returning({ id: decisions.id });
    if (inserted.length > 0) return decision;
    // A concurrent attempt stored its decision first: that one stands.
    return (await storedDecision(deps, request)) ?? decision;
  };
}

async function storedDecision(deps: ActivityDeps, request: DecideRequest): Promise<Decision | null> {
  const [row] = await deps.database.db
    .select({ decision: decisions.decision })
    .from(decisions)
    .where(and(eq(decisions.workflowId, request.workflowId), eq(decisions.step, request.step)));
  if (!row) return null;
  const { model: _model, ...decision } = row.decision as unknown as Decision & { model?: unknown };
  return decision;
}

/** What the products the touch is about cost now, by product ID (their sum is the value at stake). */
async function pricesNow(deps: ActivityDeps, request: DecideRequest): Promise<Record<string, number>> {
  if (request.productIds.length === 0) return {};
  const rows = await deps.database.db
    .select({ id: products.id, priceMinor: products.priceMinor })
    .from(products)
    .where(and(eq(products.shopId, request.shopId), inArray(products.id, request.productIds)));
  return Object.fromEntries(rows.map((p) => [p.id, p.priceMinor]));
}
