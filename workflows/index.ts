// Every workflow the worker runs. This file is the entry of the workflow bundle.
export { browseAbandonJourney } from './browse-abandon.ts';
export { cartAbandonJourney } from './cart-abandon.ts';
export { clearanceJourney } from './clearance.ts';
export { clearanceCampaign } from './clearance-campaign.ts';
export { crossSellJourney } from './cross-sell.ts';
export { eventRetentionWorkflow } from './event-retention.ts';
export { modelMaintenanceWorkflow } from './model-maintenance.ts';
export { onboardingJourney } from './onboarding.ts';
export { recsRetrainWorkflow } from './recs-retrain.ts';
export { winBackJourney } from './win-back.ts';
