import { continueAsNew } from '@temporalio/workflow';
import { campaignAudiencePage, prepareCampaign } from './activities.ts';
import { CampaignRun } from './campaign.ts';
import type { CampaignProgress, ClearanceCampaignInput } from './types.ts';

/**
 * A clearance campaign: choose its items and the customers interested in them, then start one
 * clearance journey per customer in batches at the rate the shop allows. Pause, resume and cancel are
 * signals; progress is a query; a long audience is walked across runs with continue-as-new.
 */
export async function clearanceCampaign(input: ClearanceCampaignInput): Promise<CampaignProgress> {
  const run = new CampaignRun(input);
  const plan = input.carry?.plan ?? (await prepareCampaign({ shopId: input.shopId, campaignId: input.campaignId, target: input.target, ...(input.ratePerMinute ? { ratePerMinute: input.ratePerMinute } : {}) }));
  Object.assign(run.progress, { state: 'running', audienceTotal: plan.audienceTotal, ratePerMinute: plan.ratePerMinute });
  let cursor = input.carry?.cursor ?? null;

  for (let batches = 0; await run.mayContinue(); batches++) {
    if (run.shouldContinueAsNew(batches)) {
      return continueAsNew<typeof clearanceCampaign>({ ...input, carry: { plan, cursor, progress: run.progress } });
    }
    const page = await campaignAudiencePage({ shopId: input.shopId, productIds: plan.productIds, categories: plan.categories, after: cursor, limit: plan.batchSize });
    if (page.length > 0) await run.fanOut(plan, page);
    cursor = page.at(-1) ?? cursor;
    if (page.length < plan.batchSize) break;
    await run.pace(plan, page.length);
  }
  Object.assign(run.progress, { state: run.cancelled ? 'cancelled' : 'done', nextBatchAt: null });
  return run.progress;
}
