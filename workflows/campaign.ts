import { condition, ParentClosePolicy, setHandler, startChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { registerJourneys } from './activities.ts';
import { cancelCampaignSignal, campaignProgressQuery, pauseCampaignSignal, resumeCampaignSignal } from './campaign-signals.ts';
import { clearanceJourney, type ClearanceInput } from './clearance.ts';
import { journeyWorkflowId } from './ids.ts';
import { NbCustomer, NbJourney, NbShop, NbState } from './search-attributes.ts';
import type { CampaignPlan, CampaignProgress, ClearanceCampaignInput } from './types.ts';

/** Progress, controls and fan-out of one clearance campaign run. */
export class CampaignRun {
  paused = false;
  cancelled = false;
  readonly progress: CampaignProgress;

  constructor(private readonly input: ClearanceCampaignInput) {
    this.progress = input.carry
      ? { ...input.carry.progress, runs: input.carry.progress.runs + 1 }
      : { campaignId: input.campaignId, state: 'preparing', audienceTotal: 0, started: 0, duplicates: 0, batches: 0, ratePerMinute: 0, nextBatchAt: null, runs: 1 };
    setHandler(pauseCampaignSignal, () => void (this.paused = true));
    setHandler(resumeCampaignSignal, () => void (this.paused = false));
    setHandler(cancelCampaignSignal, () => void (this.cancelled = true));
    setHandler(campaignProgressQuery, () => ({ ...this.progress, state: this.state() }));
  }

  state(): CampaignProgress['state'] {
    if (this.cancelled) return 'cancelled';
    if (this.paused) return 'paused';
    return this.progress.state;
  }

  /** Blocks while paused; false when the campaign was cancelled. */
  async mayContinue(): Promise<boolean> {
    await condition(() => !this.paused || this.cancelled);
    return !this.cancelled;
  }

  /**
   * Starts one clearance journey per customer as an abandoned child (it outlives this run and
   * continue-as-new). Its ID is the journey's own, so a customer gets one per campaign whatever happens.
   */
  async fanOut(plan: CampaignPlan, customerIds: string[]): Promise<void> {
    const { shopId, campaignId, timing } = this.input;
    const started = await Promise.all(
      customerIds.map(async (customerId) => {
        const workflowId = journeyWorkflowId('clearance', shopId, customerId, campaignId);
        const args: [ClearanceInput] = [{ version: 1, shopId, customerId, campaignId, productIds: plan.productIds, timing }];
        try {
          await startChild(clearanceJourney, {
            workflowId, args,
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: NbJourney, value: 'clearance' }, { key: NbShop, value: shopId },
              { key: NbCustomer, value: customerId }, { key: NbState, value: 'waiting' },
            ],
          });
          return { workflowId, customerId };
        } catch (error) {
          if ((error as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw error;
          return null;
        }
      }),
    );
    const fresh = started.filter((s) => s !== null);
    await registerJourneys({ shopId, journey: 'clearance', triggerKey: campaignId, journeys: fresh });
    this.progress.started += fresh.length;
    this.progress.duplicates += customerIds.length - fresh.length;
    this.progress.batches += 1;
  }

  /** Waits long enough that `count` starts stay within the rate, waking early only on cancel. */
  async pace(plan: CampaignPlan, count: number): Promise<void> {
    const ms = Math.ceil((count / plan.ratePerMinute) * 60_000);
    this.progress.nextBatchAt = new Date(Date.now() + ms).toISOString();
    await condition(() => this.cancelled, ms);
  }

  /** Whether this run's history is long enough to hand over to a fresh run. */
  shouldContinueAsNew(batchesThisRun: number): boolean {
    return workflowInfo().continueAsNewSuggested || batchesThisRun >= BATCHES_PER_RUN;
  }
}

/** A run hands over after this many batches, keeping its history small whatever the audience size. */
export const BATCHES_PER_RUN = 20;
