import { and, eq, inArray } from 'drizzle-orm';
import { attributeOrder } from '../attribution/attribute.ts';
import { dispatches, journeys, outcomes } from '../db/schema.ts';
import { applyOutcomeToModels } from '../learning/apply-outcome.ts';
import type { OutcomeRecord } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';

const TERMINAL = new Set(['converted', 'no_conversion', 'cancelled', 'unsubscribed']);

/**
 * Records what a journey step came to. Idempotent on (workflow, step, kind).
 *
 * A conversion is credited by the shop's attribution rules (attribution/rules.ts: last click, else last
 * open, within their windows), not simply to the journey's last send, and the outcome row carries the
 * same dispatch as the order, so the journey's signal and the order record agree. When the credit goes
 * to another journey's message, or to none, the outcome says so in its reason and names no dispatch.
 * The credited message's conversion is folded into the posteriors in the same transaction.
 */
export function createRecordOutcome(deps: ActivityDeps) {
  return async function recordOutcome(record: OutcomeRecord): Promise<void> {
    await deps.database.db.transaction(async (tx) => {
      let dispatchId = record.dispatchId ?? null;
      let reason = record.reason ?? null;
      if (record.kind === 'converted' && record.orderId) {
        const credit = await attributeOrder(tx, record.shopId, record.orderId);
        if (credit) {
          await applyOutcomeToModels(tx, { shopId: record.shopId, customerId: record.customerId, dispatchId: credit.dispatchId, channel: credit.channel,
            kind: 'converted', at: credit.placedAt, discountTier: credit.discountTier });
        }
        const ours = credit?.workflowId === record.workflowId;
        dispatchId = ours ? credit.dispatchId : null;
        if (reason === null) reason = ours ? `attributed_by_${credit.rule}` : credit ? 'attributed_to_other_journey' : 'outside_attribution_windows';
      }
      if (record.kind === 'no_conversion' || record.kind === 'unsubscribed') {
        // Every message this journey sent gets its verdict: no response within the window (a failure
        // for its channel unless the customer engaged), or an unsubscribe.
        const sent = await tx.select().from(dispatches).where(and(eq(dispatches.workflowId, record.workflowId), inArray(dispatches.status, ['sent', 'delivered'])));
        for (const d of sent) {
          await applyOutcomeToModels(tx, { shopId: d.shopId, customerId: d.customerId, dispatchId: d.id, channel: d.channel,
            kind: record.kind === 'no_conversion' ? 'no_response' : 'unsubscribed', at: new Date(), discountTier: d.discountTier });
        }
      }
      const inserted = await tx
        .insert(outcomes)
        .values({
          shopId: record.shopId,
          customerId: record.customerId,
          workflowId: record.workflowId,
          step: record.step,
          kind: record.kind,
          reason,
          dispatchId,
          orderId: record.orderId ?? null,
          valueMinor: record.valueMinor ?? null,
        })
        .onConflictDoNothing()
        .returning({ id: outcomes.id });
      if (inserted.length === 0) return;
      deps.metrics.outcomes.inc({ kind: record.kind });
      if (TERMINAL.has(record.kind)) {
        await tx
          .update(journeys)
          .set({ status: record.kind === 'converted' ? 'converted' : record.kind === 'cancelled' ? 'cancelled' : 'completed', endedAt: new Date(), outcome: record.reason ?? record.kind })
          .where(eq(journeys.workflowId, record.workflowId));
      }
    });
  };
}
