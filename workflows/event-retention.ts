import { proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities, RetentionResult } from '../ingest/retention.ts';

const { removeExpiredRawEvents } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  startToCloseTimeout: '1 hour',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/** Run nightly by a Temporal Schedule: raw events past each shop's retention period are removed. */
export async function eventRetentionWorkflow(): Promise<RetentionResult> {
  return removeExpiredRawEvents();
}
