import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.ts';

// Retry policies per activity. Reads retry fast and often; dispatch retries with backoff because a
// provider may be rate-limiting, and its idempotency key makes every retry safe. Business failures
// (unknown shop or customer, a campaign with nothing to send) are typed and never retried.
const BUSINESS = ['CampaignTargetError', 'UnknownShopError', 'UnknownCustomerError'];

const READS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: BUSINESS },
} as const;
const RECORDS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
} as const;

export const { decide, recheck, chooseContent } = proxyActivities<JourneyActivities>(READS);

/**
 * The kernel's short database steps (choose content, decide, re-check, record an outcome) as local
 * activities: they run in the worker inside the workflow task that needs them, so a journey step costs
 * the server one workflow task instead of a task plus an activity round trip. They are idempotent reads
 * or keyed upserts, so a re-run after a worker crash is harmless. Dispatch stays a regular activity:
 * it calls providers, may back off for minutes and is rate-limited per task queue.
 */
export const localReads = proxyLocalActivities<JourneyActivities>(READS);
export const localRecords = proxyLocalActivities<JourneyActivities>(RECORDS);

export const { dispatch } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '60 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['PermanentDispatchError', ...BUSINESS],
  },
});

export const { recordOutcome, registerJourneys, closeSkippedJourney } = proxyActivities<JourneyActivities>(RECORDS);

// Campaign planning scans the audience: give it time, and fail fast on a target that names nothing.
export const { prepareCampaign, campaignAudiencePage } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: BUSINESS },
});
