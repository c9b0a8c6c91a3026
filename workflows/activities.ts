import { proxyActivities } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.ts';

// Retry policies per activity. Reads retry fast and often; dispatch retries with backoff because a
// provider may be rate-limiting, and its idempotency key makes every retry safe. Business failures
// (unknown shop or customer, a campaign with nothing to send) are typed and never retried.
const BUSINESS = ['CampaignTargetError', 'UnknownShopError', 'UnknownCustomerError'];

export const { decide, recheck, chooseContent } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20, nonRetryableErrorTypes: BUSINESS },
});

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

export const { recordOutcome, registerJourneys, closeSkippedJourney } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Campaign planning scans the audience: give it time, and fail fast on a target that names nothing.
export const { prepareCampaign, campaignAudiencePage } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: BUSINESS },
});
