import { and, eq } from 'drizzle-orm';
import { decisions } from '../db/schema.ts';
import { discountSegmentKey } from '../learning/model-store.ts';
import { newDiscountSegmentState } from '../models/state.ts';
import { decideStep, decisionRecord } from '../learning/decide-core.ts';
import type { VariantChanges } from '../db/schema-experiments.ts';
import type { DecideRequest, Decision } from '../workflows/types.ts';
import { decisionOf, loadDecideInputs } from './decide-inputs.ts';
import type { ActivityDeps } from './deps.ts';

/**
 * Chooses channel, send instant and discount tier for one journey step with the decision models
 * (models/decide.ts) over the customer's stored posteriors, and stores the choice with its
 * propensities. A retry, or a replayed workflow, gets the stored decision back: a step is decided once.
 */
export function createDecide(deps: ActivityDeps) {
  return async function decide(request: DecideRequest, changes?: VariantChanges): Promise<Decision> {
    const { db } = deps.database;
    // One statement reads the stored decision, the customer's context and every model state needed.
    const inputs = await loadDecideInputs(deps.database, request);
    if (inputs.stored) return inputs.stored;
    const { context, shop, customer, pricesMinor: prices } = inputs;
    const segment = discountSegmentKey(customer.lifecycle.stage);
    const discount = inputs.discountSegments[segment] ?? newDiscountSegmentState(segment, request.earliest);
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
  return row ? decisionOf(row.decision as unknown as Decision & { model?: unknown }) : null;
}
