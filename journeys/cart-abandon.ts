import type { CartAbandonInput } from '../workflows/cart-abandon.ts';
import { cartUpdatedSignal } from '../workflows/signals.ts';
import type { CartUpdatedSignal } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startJourney, WorkflowIdReusePolicy, type FireRound } from './start.ts';
import { journeyTiming } from './timing.ts';

export interface CartChange {
  shopId: string;
  customerId: string;
  cartId: string;
  productIds: string[];
  valueMinor: number;
  emptied: boolean;
  at: Date;
}

/**
 * Starts the cart's journey, or tells the running one that the cart changed (which restarts its quiet
 * period). One journey per cart: once a cart's journey has run, later changes to it start nothing
 * (ALLOW_DUPLICATE_FAILED_ONLY), so a customer is not nagged twice about the same cart.
 */
export function signalCartAbandon(deps: JourneyClientDeps, change: CartChange, round?: FireRound): Promise<string | null> {
  const input: CartAbandonInput = {
    version: 1,
    shopId: change.shopId,
    customerId: change.customerId,
    cartId: change.cartId,
    productIds: change.productIds,
    timing: journeyTiming('cart-abandon', deps.timeScale),
  };
  const signal: CartUpdatedSignal = {
    version: 1,
    cartId: change.cartId,
    productIds: change.productIds,
    valueMinor: change.valueMinor,
    emptied: change.emptied,
    at: change.at.toISOString(),
  };
  return startJourney(deps, {
    journey: 'cart-abandon', shopId: change.shopId, customerId: change.customerId, triggerKey: change.cartId, input,
    reusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    signal: { definition: cartUpdatedSignal, payload: signal },
  }, round);
}
