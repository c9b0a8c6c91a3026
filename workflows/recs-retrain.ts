import { proxyActivities } from '@temporalio/workflow';
import type { createRecsActivities } from '../activities/recs.ts';
import type { RetrainSummary } from '../recs-store/service.ts';

// Training is CPU work between heartbeats (one per shop), so the timeout is generous rather than tight.
const { retrainRecommenders } = proxyActivities<ReturnType<typeof createRecsActivities>>({
  startToCloseTimeout: '2 hours',
  retry: { initialInterval: '1 minute', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 5 },
});

export interface RecsRetrainInput {
  version: 1;
}

/** Run by the `nextbest-recs-retrain` Schedule: a full retrain of the recommender caches of the worker that runs it. */
export async function recsRetrainWorkflow(_input: RecsRetrainInput): Promise<RetrainSummary[]> {
  return retrainRecommenders();
}
