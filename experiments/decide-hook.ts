import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { decisions } from '../db/schema.ts';
import type { DecideRequest, Decision } from '../workflows/types.ts';
import type { VariantChanges } from '../db/schema-experiments.ts';
import { assignForDecision } from './for-decision.ts';

/**
 * Puts a decide activity under the shop's experiments: the step's arm is assigned (and its exposure
 * recorded) before deciding. The holdout gets action "none" with reason "holdout", stored like any
 * decision; a variant's decision carries `variant` ("<experiment>/<arm>") and `propensities.variant`.
 * The arm's `changes` (engine, copy style, channel and discount policy) go to the inner decide,
 * which applies them (learning/decide-core.ts).
 *
 * Wire it where the activities are built: `decide: withExperiments(createDecide(deps), { db: deps.database.db, now: deps.now })`.
 * The exposure is stamped with `now` (the activity's clock, like a dispatch's sent time), so it compares
 * with order times on the same clock.
 */
export function withExperiments(decide: (request: DecideRequest, changes?: VariantChanges) => Promise<Decision>, { db, now = () => new Date() }: { db: Db; now?: (() => Date) | undefined }) {
  return async function decideInExperiment(request: DecideRequest): Promise<Decision> {
    const arm = await assignForDecision(db, {
      shopId: request.shopId,
      customerId: request.customerId,
      journey: request.journey,
      workflowId: request.workflowId,
      step: request.step,
      at: now(),
    });
    if (!arm) return decide(request);
    if (arm.holdout) {
      const held: Decision = {
        action: 'none', channel: null, contentType: request.contentType, sendAt: request.earliest, discountTier: 0,
        variant: arm.label, propensities: { variant: arm.propensity }, productIds: request.productIds, reason: 'holdout',
      };
      await db
        .insert(decisions)
        .values({ shopId: request.shopId, customerId: request.customerId, workflowId: request.workflowId, step: request.step, decision: { ...held, experimentId: arm.experimentId } })
        .onConflictDoNothing();
      return held;
    }
    const decision = await decide(request, arm.changes);
    // The stored decision carries the arm too, so offline evaluation sees every propensity.
    await db
      .update(decisions)
      .set({ decision: sql`${decisions.decision} || jsonb_build_object('variant', ${arm.label}::text, 'experimentId', ${arm.experimentId}::text,
        'propensities', coalesce(${decisions.decision}->'propensities', '{}'::jsonb) || jsonb_build_object('variant', ${arm.propensity}::float8))` })
      .where(and(eq(decisions.workflowId, request.workflowId), eq(decisions.step, request.step)));
    return { ...decision, variant: arm.label, propensities: { ...decision.propensities, variant: arm.propensity } };
  };
}
