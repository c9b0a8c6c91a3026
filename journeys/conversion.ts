import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { journeys } from '../db/schema.ts';
import { orderPlacedSignal } from '../workflows/signals.ts';
import type { OrderPlacedSignal } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';

/** Tells every running journey of the customer that they ordered; returns the journeys signalled. */
export async function signalConversion(
  deps: JourneyClientDeps,
  shopId: string,
  customerId: string,
  order: OrderPlacedSignal,
): Promise<string[]> {
  const running = await deps.database.db
    .select({ workflowId: journeys.workflowId, journey: journeys.journey })
    .from(journeys)
    .where(and(eq(journeys.shopId, shopId), eq(journeys.customerId, customerId), eq(journeys.status, 'running')));
  const signalled: string[] = [];
  for (const { workflowId, journey } of running) {
    try {
      await deps.temporal.workflow.getHandle(workflowId).signal(orderPlacedSignal, order);
      signalled.push(workflowId);
      deps.metrics.journeysStarted.inc({ journey, signal: 'orderPlaced' });
    } catch (error) {
      // The journey already ended (its row is updated by its last activity); nothing to convert.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return signalled;
}
