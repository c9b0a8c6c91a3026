import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.ts';

// Retry policies per activity: reads retry fast and often; dispatch retries with backoff because a
// provider may be rate-limiting, and its idempotency key makes every retry safe.
export const { decide, recheck } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export const { dispatch } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['PermanentDispatchError'],
  },
});

export const { recordOutcome } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
