import type { WinBackInput } from '../workflows/win-back.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startJourney, WorkflowIdReusePolicy, type FireRound } from './start.ts';
import { journeyTiming } from './timing.ts';

/**
 * A customer turned at-risk or lapsed. Keyed by the stage and the day it changed, so a repeated
 * stage event is one journey, while a customer who comes back and drifts away again later gets another.
 */
export function startWinBack(deps: JourneyClientDeps, change: { shopId: string; customerId: string; stage: 'at-risk' | 'lapsed'; at: Date }, round?: FireRound): Promise<string | null> {
  const input: WinBackInput = { version: 1, shopId: change.shopId, customerId: change.customerId, stage: change.stage, timing: journeyTiming('win-back', deps.timeScale) };
  return startJourney(deps, {
    journey: 'win-back', shopId: change.shopId, customerId: change.customerId, triggerKey: `${change.stage}.${change.at.toISOString().slice(0, 10)}`, input,
    reusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  }, round);
}
