import { and, eq } from 'drizzle-orm';
import { journeys } from '../db/schema.ts';
import type { JourneyRef } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';

/**
 * Closes the journey's row when it ended without a send (every step skipped), which recordOutcome does
 * not treat as terminal; without it the journey would stay "running" for the CLI and conversions.
 */
export function createCloseSkippedJourney(deps: ActivityDeps) {
  return async function closeSkippedJourney(request: JourneyRef & { reason: string | null }): Promise<void> {
    await deps.database.db
      .update(journeys)
      .set({ status: 'completed', endedAt: deps.now?.() ?? new Date(), outcome: `skipped: ${request.reason ?? 'unknown'}` })
      .where(and(eq(journeys.workflowId, request.workflowId), eq(journeys.status, 'running')));
  };
}
