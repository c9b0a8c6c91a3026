import { JourneyKernel } from './kernel.ts';
import type { JourneyInputBase, JourneyResult } from './types.ts';

export interface BrowseAbandonInput extends JourneyInputBase {
  /** The product viewed for three minutes or more. */
  productId: string;
}

/**
 * A product looked at for a while but not added to the cart: after a quiet period (a repeated long view
 * starts it again) send the product and similar ones. Adding the product to the cart ends the journey.
 */
export async function browseAbandonJourney(input: BrowseAbandonInput): Promise<JourneyResult> {
  const journey = JourneyKernel.for('browse-abandon', input);
  journey.stopWhen = () => (journey.cart?.productIds.includes(input.productId) ? 'added_to_cart' : null);
  const { quietPeriodMs, sendWindowMs, attributionWindowMs } = input.timing;

  await journey.waitQuietPeriod(quietPeriodMs);
  if (journey.stopReason() === null) {
    const content = await journey.chooseContent({ ...journey.ref, productIds: [input.productId] });
    const touch = content.productIds.length
      ? await journey.touch({ step: 1, contentType: 'browse_reminder', productIds: content.productIds, windowMs: sendWindowMs })
      : await journey.skip('out_of_stock');
    if (touch.sent) await journey.awaitConversion(attributionWindowMs);
  } else await journey.skip(journey.stopReason() ?? 'cancelled');
  return journey.finish();
}
