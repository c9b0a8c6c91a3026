import { and, eq } from 'drizzle-orm';
import { journeys, orders, outcomes } from '../db/schema.ts';
import type { OutcomeRecord } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';

const TERMINAL = new Set(['converted', 'no_conversion', 'cancelled', 'unsubscribed']);

/**
 * Records what a journey step came to. Idempotent on (workflow, step, kind). A conversion after a
 * send credits that send on the order (last touch), so the journey's signal and the order agree.
 */
export function createRecordOutcome(deps: ActivityDeps) {
  return async function recordOutcome(record: OutcomeRecord): Promise<void> {
    await deps.database.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(outcomes)
        .values({
          shopId: record.shopId,
          customerId: record.customerId,
          workflowId: record.workflowId,
          step: record.step,
          kind: record.kind,
          reason: record.reason ?? null,
          dispatchId: record.dispatchId ?? null,
          orderId: record.orderId ?? null,
          valueMinor: record.valueMinor ?? null,
        })
        .onConflictDoNothing()
        .returning({ id: outcomes.id });
      if (inserted.length === 0) return;
      deps.metrics.outcomes.inc({ kind: record.kind });
      if (record.kind === 'converted' && record.orderId && record.dispatchId) {
        await tx
          .update(orders)
          .set({ attributedDispatchId: record.dispatchId })
          .where(and(eq(orders.shopId, record.shopId), eq(orders.id, record.orderId)));
      }
      if (TERMINAL.has(record.kind)) {
        await tx
          .update(journeys)
          .set({ status: record.kind === 'converted' ? 'converted' : record.kind === 'cancelled' ? 'cancelled' : 'completed', endedAt: new Date(), outcome: record.reason ?? record.kind })
          .where(eq(journeys.workflowId, record.workflowId));
      }
    });
  };
}
