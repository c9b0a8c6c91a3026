import { workflowInfo } from '@temporalio/workflow';
import { JourneyKernel } from './kernel.ts';
import type { JourneyResult, JourneyTiming } from './types.ts';

export interface CartAbandonInput {
  version: 1;
  shopId: string;
  customerId: string;
  cartId: string;
  productIds: string[];
  timing: JourneyTiming;
}

/**
 * A cart left behind: wait until the cart has been quiet for a while (each change resets the wait),
 * remind the customer at the time the decision models choose, then wait for the order.
 */
export async function cartAbandonJourney(input: CartAbandonInput): Promise<JourneyResult> {
  const { workflowId } = workflowInfo();
  const journey = new JourneyKernel({ shopId: input.shopId, customerId: input.customerId, workflowId, journey: 'cart-abandon' });

  await journey.waitQuietPeriod(input.timing.quietPeriodMs);
  const productIds = journey.cart?.productIds ?? input.productIds;
  const touch = await journey.touch({ step: 1, contentType: 'cart_reminder', productIds, windowMs: input.timing.sendWindowMs });
  if (touch.sent) await journey.awaitConversion(input.timing.attributionWindowMs);
  return journey.finish();
}
