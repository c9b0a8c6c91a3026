import { WorkflowIdReusePolicy } from '@temporalio/common';
import { journeys } from '../db/schema.ts';
import type { CartAbandonInput } from '../workflows/cart-abandon.ts';
import { journeyWorkflowId } from '../workflows/ids.ts';
import { NbCustomer, NbJourney, NbShop, NbState } from '../workflows/search-attributes.ts';
import { cartUpdatedSignal } from '../workflows/signals.ts';
import type { CartUpdatedSignal } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';
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
export async function signalCartAbandon(deps: JourneyClientDeps, change: CartChange): Promise<string | null> {
  const workflowId = journeyWorkflowId('cart-abandon', change.shopId, change.customerId, change.cartId);
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
  try {
    await deps.temporal.workflow.signalWithStart('cartAbandonJourney', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      signal: cartUpdatedSignal,
      signalArgs: [signal],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: [
        { key: NbJourney, value: 'cart-abandon' },
        { key: NbShop, value: change.shopId },
        { key: NbCustomer, value: change.customerId },
        { key: NbState, value: 'waiting' },
      ],
    });
  } catch (error) {
    if ((error as Error).name === 'WorkflowExecutionAlreadyStartedError') return null;
    throw error;
  }
  await deps.database.db
    .insert(journeys)
    .values({ workflowId, shopId: change.shopId, customerId: change.customerId, journey: 'cart-abandon', triggerKey: change.cartId })
    .onConflictDoNothing();
  deps.metrics.journeysStarted.inc({ journey: 'cart-abandon', signal: 'cartUpdated' });
  return workflowId;
}
