import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { journeys } from '../db/schema.ts';
import { campaignProgressQuery, cancelCampaignSignal, pauseCampaignSignal, resumeCampaignSignal } from '../workflows/campaign-signals.ts';
import { campaignWorkflowId } from '../workflows/ids.ts';
import { NbJourney, NbShop, NbState } from '../workflows/search-attributes.ts';
import { cancelSignal } from '../workflows/signals.ts';
import type { CampaignProgress, CampaignTarget, ClearanceCampaignInput } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';
import { journeyTiming } from './timing.ts';

export class CampaignExistsError extends Error {
  override name = 'CampaignExistsError';
  constructor(readonly workflowId: string) {
    super(`a campaign with this id already ran or is running (${workflowId}); pick another --id, or see it with "campaign status"`);
  }
}

/**
 * Starts a clearance campaign. A campaign id is used once (REJECT_DUPLICATE): starting it again is
 * refused rather than messaging its audience twice.
 */
export async function startCampaign(
  deps: JourneyClientDeps,
  campaign: { shopId: string; campaignId: string; target: CampaignTarget; ratePerMinute?: number },
): Promise<string> {
  const workflowId = campaignWorkflowId(campaign.shopId, campaign.campaignId);
  const input: ClearanceCampaignInput = { version: 1, ...campaign, timing: journeyTiming('clearance', deps.timeScale) };
  try {
    await deps.temporal.workflow.start('clearanceCampaign', {
      workflowId, taskQueue: deps.taskQueue, args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: NbJourney, value: 'clearance-campaign' }, { key: NbShop, value: campaign.shopId }, { key: NbState, value: 'running' }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new CampaignExistsError(workflowId);
    throw error;
  }
  return workflowId;
}

export const campaignHandle = (deps: JourneyClientDeps, shopId: string, campaignId: string) =>
  deps.temporal.workflow.getHandle(campaignWorkflowId(shopId, campaignId));

export function campaignProgress(deps: JourneyClientDeps, shopId: string, campaignId: string): Promise<CampaignProgress> {
  return campaignHandle(deps, shopId, campaignId).query(campaignProgressQuery);
}

export async function pauseCampaign(deps: JourneyClientDeps, shopId: string, campaignId: string): Promise<void> {
  await campaignHandle(deps, shopId, campaignId).signal(pauseCampaignSignal, { version: 1 });
}

export async function resumeCampaign(deps: JourneyClientDeps, shopId: string, campaignId: string): Promise<void> {
  await campaignHandle(deps, shopId, campaignId).signal(resumeCampaignSignal, { version: 1 });
}

/**
 * Stops the fan-out, then cancels the campaign's journeys that are still running (their pending
 * sends are skipped with reason "cancelled"). Reports each cancelled journey to `onProgress`.
 */
export async function cancelCampaign(
  deps: JourneyClientDeps,
  shopId: string,
  campaignId: string,
  reason: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<number> {
  await campaignHandle(deps, shopId, campaignId).signal(cancelCampaignSignal, { version: 1, reason });
  const running = await deps.database.db
    .select({ workflowId: journeys.workflowId })
    .from(journeys)
    .where(and(eq(journeys.shopId, shopId), eq(journeys.journey, 'clearance'), eq(journeys.triggerKey, campaignId), eq(journeys.status, 'running')));
  let done = 0;
  for (const { workflowId } of running) {
    await deps.temporal.workflow.getHandle(workflowId).signal(cancelSignal, { version: 1, reason: `campaign ${campaignId} cancelled: ${reason}` })
      .catch((error: unknown) => {
        if ((error as Error).name !== 'WorkflowNotFoundError') throw error;
      });
    onProgress(++done, running.length);
  }
  return done;
}
