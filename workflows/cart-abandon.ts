import { patched, workflowInfo } from '@temporalio/workflow';
import { JourneyKernel } from './kernel.ts';
import { CART_RELATED_ITEMS, CART_SECOND_TOUCH } from './patches.ts';
import { CART_SECOND_TOUCH_MAX_DISCOUNT, type JourneyInputBase, type JourneyResult } from './types.ts';

export interface CartAbandonInput extends JourneyInputBase {
  cartId: string;
  productIds: string[];
}

/** How many related products a cart reminder shows beside the cart. */
const RELATED_ITEMS = 3;


/**
 * A cart left behind: wait until the cart has been quiet for a while (each change resets the wait),
 * remind the customer at the time the decision models choose; if that does not convert, a second touch
 * that may carry a learned discount. Ends on order, on cart emptied, or after the attribution window.
 */
export async function cartAbandonJourney(input: CartAbandonInput): Promise<JourneyResult> {
  const { workflowId } = workflowInfo();
  const journey = new JourneyKernel({ shopId: input.shopId, customerId: input.customerId, workflowId, journey: 'cart-abandon' });
  const { quietPeriodMs, sendWindowMs, attributionWindowMs, secondTouchDelayMs } = input.timing;

  await journey.waitQuietPeriod(quietPeriodMs);
  const productIds = () => journey.cart?.productIds ?? input.productIds;
  /** What is often bought with the cart as it is now, shown beside it (the recommender's cart-abandon plan). */
  const related = async (): Promise<{ relatedProductIds?: string[] }> => {
    if (!(journey.lean || patched(CART_RELATED_ITEMS)) || journey.stopReason() !== null) return {};
    const cart = productIds();
    const content = await journey.chooseContent({ ...journey.ref, productIds: cart, limit: cart.length + RELATED_ITEMS });
    return { relatedProductIds: content.productIds.filter((id) => !cart.includes(id)).slice(0, RELATED_ITEMS) };
  };
  const first = await journey.touch({ step: 1, contentType: 'cart_reminder', productIds: productIds(), windowMs: sendWindowMs, ...(await related()) });
  if (secondTouchDelayMs !== undefined && (journey.lean || patched(CART_SECOND_TOUCH))) {
    if (journey.stopReason() === null && !(await journey.awaitConversion(secondTouchDelayMs)) && journey.stopReason() === null) {
      await journey.touch({ step: 2, contentType: 'cart_reminder', productIds: productIds(), windowMs: sendWindowMs, maxDiscountTier: CART_SECOND_TOUCH_MAX_DISCOUNT, ...(await related()) });
    }
    if (journey.sent.length > 0) await journey.awaitConversion(attributionWindowMs);
  } else if (first.sent) await journey.awaitConversion(attributionWindowMs);
  return journey.finish();
}
