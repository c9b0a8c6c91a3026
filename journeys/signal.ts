import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { journeys } from '../db/schema.ts';
import type { JourneyName } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';
import type { FireRound } from './start.ts';

/**
 * Sends a signal to every running journey of a customer (optionally only some journeys); returns the
 * workflow IDs that received it. A journey that ended meanwhile is skipped. In a dispatch round the
 * running journeys are those the round read before firing.
 */
export async function signalRunningJourneys<T>(
  deps: JourneyClientDeps,
  target: { shopId: string; customerId: string; only?: (row: { journey: JourneyName; triggerKey: string }) => boolean },
  signal: SignalDefinition<[T]>,
  payload: T,
  round?: FireRound,
): Promise<string[]> {
  const running = round ? round.runningOf(target.shopId, target.customerId) : await deps.database.db
    .select({ workflowId: journeys.workflowId, journey: journeys.journey, triggerKey: journeys.triggerKey })
    .from(journeys)
    .where(and(eq(journeys.shopId, target.shopId), eq(journeys.customerId, target.customerId), eq(journeys.status, 'running')));
  const signalled: string[] = [];
  for (const row of running) {
    if (target.only && !target.only({ journey: row.journey as JourneyName, triggerKey: row.triggerKey })) continue;
    try {
      await deps.temporal.workflow.getHandle(row.workflowId).signal(signal, payload);
      signalled.push(row.workflowId);
      deps.metrics.journeysStarted.inc({ journey: row.journey, signal: signal.name });
    } catch (error) {
      // The journey already ended (its row is updated by its last activity); nothing to tell it.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return signalled;
}
