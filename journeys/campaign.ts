import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { campaignProgressQuery, cancelCampaignSignal, pauseCampaignSignal, resumeCampaignSignal } from '../workflows/campaign-signals.ts';
import { campaignWorkflowId } from '../workflows/ids.ts';
import { NbJourney, NbShop, NbState } from '../workflows/search-attributes.ts';
import { cancelSignal } from '../workflows/signals.ts';
import type { CampaignProgress, CampaignTarget, ClearanceCampaignInput } from '../workflows/types.ts';
import { journeyQuery } from './cli-support.ts';
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
  deps: Pick<JourneyClientDeps, 'temporal' | 'taskQueue' | 'timeScale'>,
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

export const campaignHandle = (temporal: Client, shopId: string, campaignId: string) =>
  temporal.workflow.getHandle(campaignWorkflowId(shopId, campaignId));

export function campaignProgress(temporal: Client, shopId: string, campaignId: string): Promise<CampaignProgress> {
  return campaignHandle(temporal, shopId, campaignId).query(campaignProgressQuery);
}

export async function pauseCampaign(temporal: Client, shopId: string, campaignId: string): Promise<void> {
  await campaignHandle(temporal, shopId, campaignId).signal(pauseCampaignSignal, { version: 1 });
}

export async function resumeCampaign(temporal: Client, shopId: string, campaignId: string): Promise<void> {
  await campaignHandle(temporal, shopId, campaignId).signal(resumeCampaignSignal, { version: 1 });
}

/**
 * Stops the fan-out, then cancels the campaign's journeys that are still running (their pending
 * sends are skipped with reason "cancelled"). Found through Temporal's visibility, so it needs no
 * database. Reports each cancelled journey to `onProgress`.
 */
export async function cancelCampaign(
  temporal: Client,
  shopId: string,
  campaignId: string,
  reason: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<number> {
  await temporal.workflow.getHandle(campaignWorkflowId(shopId, campaignId)).signal(cancelCampaignSignal, { version: 1, reason });
  const running: string[] = [];
  for await (const wf of temporal.workflow.list({ query: `${journeyQuery({ journey: 'clearance', shop: shopId, running: true })}` })) {
    if (wf.workflowId.endsWith(`:${campaignId}`)) running.push(wf.workflowId);
  }
  let done = 0;
  for (const workflowId of running) {
    await temporal.workflow.getHandle(workflowId).signal(cancelSignal, { version: 1, reason: `campaign ${campaignId} cancelled: ${reason}` })
      .catch((error: unknown) => {
        if ((error as Error).name !== 'WorkflowNotFoundError') throw error;
      });
    onProgress(++done, running.length);
  }
  return done;
}
