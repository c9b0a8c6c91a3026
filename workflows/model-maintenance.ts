import { proxyActivities } from '@temporalio/workflow';
import type { createMaintenanceActivities, MaintainShopResult } from '../activities/maintenance.ts';

const { listShops, maintainShop } = proxyActivities<ReturnType<typeof createMaintenanceActivities>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

export interface ModelMaintenanceInput {
  version: 1;
  /** Refit the shops' priors and curves (weekly); false only sweeps lifecycle stages (daily). */
  refit: boolean;
}

/**
 * Run by a Temporal Schedule: for each shop, refit the decision models' shop-level state from its own
 * data and recompute every customer's lifecycle stage, starting win-back journeys for stage turns.
 */
export async function modelMaintenanceWorkflow(input: ModelMaintenanceInput): Promise<MaintainShopResult[]> {
  const results: MaintainShopResult[] = [];
  for (const shopId of await listShops()) {
    results.push(await maintainShop({ shopId, refit: input.refit, at: new Date(Date.now()).toISOString() }));
  }
  return results;
}
