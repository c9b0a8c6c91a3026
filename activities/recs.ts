import { Context } from '@temporalio/activity';
import type { RecsService, RetrainSummary } from '../recs-store/service.ts';

/**
 * The scheduled recommender retrain. It runs in whichever worker picks it up and retrains that
 * process's cache only; the other workers' caches retrain themselves when older than their
 * `retrainAfterMs` and follow new events in between (recs-store/README.md).
 */
export function createRecsActivities(recs: RecsService) {
  return {
    async retrainRecommenders(): Promise<RetrainSummary[]> {
      return recs.retrainAll((summary) => Context.current().heartbeat(summary));
    },
  };
}
