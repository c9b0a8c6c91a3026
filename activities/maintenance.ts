import { heartbeat } from '@temporalio/activity';
import { shops } from '../db/schema.ts';
import { fireTrigger } from '../journeys/fire.ts';
import { retrainShop } from '../learning/retrain.ts';
import type { ActivityDeps } from './deps.ts';

export interface MaintainShopRequest {
  shopId: string;
  /** Refit priors, thresholds and send-time curves (the retrain); false sweeps stages only. */
  refit: boolean;
  /** The workflow's clock. */
  at: string;
}

export interface MaintainShopResult {
  shopId: string;
  customersRefitted: number;
  stageChanges: number;
  winBacksStarted: number;
}

/** Activities of the scheduled model maintenance: retrain each shop and start win-backs for stage turns. */
export function createMaintenanceActivities(deps: ActivityDeps) {
  return {
    async listShops(): Promise<string[]> {
      return (await deps.database.db.select({ id: shops.id }).from(shops)).map((s) => s.id);
    },

    async maintainShop(request: MaintainShopRequest): Promise<MaintainShopResult> {
      const result = await retrainShop(deps.database, request.shopId, new Date(request.at), { refit: request.refit });
      let winBacksStarted = 0;
      for (const { customerId, change } of result.stageChanges) {
        heartbeat({ customerId });
        if (!change.startsWinBack || !deps.journeys) continue;
        const started = await fireTrigger(deps.journeys, {
          kind: 'stage-changed',
          shopId: request.shopId,
          customerId,
          from: change.from ?? 'new',
          to: change.to,
          at: request.at,
        });
        winBacksStarted += started.length;
      }
      deps.logger.info({ shopId: request.shopId, refit: request.refit, stageChanges: result.stageChanges.length, winBacksStarted }, 'shop models maintained');
      return { shopId: request.shopId, customersRefitted: result.customers, stageChanges: result.stageChanges.length, winBacksStarted };
    },
  };
}
