import type { CrossSellInput } from '../workflows/cross-sell.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startJourney, WorkflowIdReusePolicy, type FireRound } from './start.ts';
import { journeyTiming } from './timing.ts';

/** A cross-sell's trigger key: the order's canonical id (':' is reserved in workflow IDs). */
export const crossSellTriggerKey = (orderId: string) => orderId.replaceAll(':', '_');

/** One cross-sell per order, whatever number of times the order event arrives. */
export function startCrossSell(deps: JourneyClientDeps, order: { shopId: string; customerId: string; orderId: string; productIds: string[] }, round?: FireRound): Promise<string | null> {
  const input: CrossSellInput = { version: 1, ...order, timing: journeyTiming('cross-sell', deps.timeScale) };
  return startJourney(deps, {
    journey: 'cross-sell', shopId: order.shopId, customerId: order.customerId, triggerKey: crossSellTriggerKey(order.orderId), input,
    reusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  }, round);
}
