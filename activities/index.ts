import type { ChannelSender } from '../channels/types.ts';
import { RecsService } from '../recs-store/service.ts';
import type { Channel } from '../workflows/types.ts';
import { createCampaignActivities } from './campaign.ts';
import { createChooseContent } from './content.ts';
import { withExperiments } from '../experiments/decide-hook.ts';
import { createRetentionActivities } from '../ingest/retention.ts';
import { createDecide } from './decide.ts';
import type { ActivityDeps } from './deps.ts';
import { createDispatch } from './dispatch.ts';
import { createMaintenanceActivities } from './maintenance.ts';
import { createCloseSkippedJourney } from './journey-end.ts';
import { createRecordOutcome } from './outcome.ts';
import { createRecheck } from './recheck.ts';
import { createRecsActivities } from './recs.ts';

/** Every activity the journeys call, built over explicit dependencies. */
export function createActivities(deps: ActivityDeps, senders: Partial<Record<Channel, ChannelSender>> = {}) {
  // One recommender cache per worker process, shared by the content activity and its scheduled retrain.
  const recs = new RecsService({ database: deps.database, logger: deps.logger });
  return {
    // The shop's running experiment assigns the step's arm first; its changes reach decide.
    decide: withExperiments(createDecide(deps), { db: deps.database.db, now: deps.now }),
    recheck: createRecheck(deps),
    dispatch: createDispatch(deps, senders),
    recordOutcome: createRecordOutcome(deps),
    chooseContent: createChooseContent(deps, recs),
    closeSkippedJourney: createCloseSkippedJourney(deps),
    ...createCampaignActivities(deps),
    ...createMaintenanceActivities(deps),
    ...createRetentionActivities(deps),
    ...createRecsActivities(recs),
  };
}

export type JourneyActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
