import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CampaignControlSignal, CampaignProgress } from './types.ts';

// The campaign's controls, used by `npm run campaign -- pause|resume|cancel|status`. Never rename them.
export const pauseCampaignSignal = defineSignal<[CampaignControlSignal]>('pauseCampaign');
export const resumeCampaignSignal = defineSignal<[CampaignControlSignal]>('resumeCampaign');
export const cancelCampaignSignal = defineSignal<[CampaignControlSignal]>('cancelCampaign');
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
