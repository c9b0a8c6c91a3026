import { JourneyKernel } from './kernel.ts';
import type { JourneyInputBase, JourneyResult } from './types.ts';

export interface CrossSellInput extends JourneyInputBase {
  orderId: string;
  /** What the order contained. */
  productIds: string[];
}

/**
 * After an order: complementary products bought together with what they bought, after a delay suited
 * to the product (its replenishment time when known, the journey's default otherwise).
 */
export async function crossSellJourney(input: CrossSellInput): Promise<JourneyResult> {
  const journey = JourneyKernel.for('cross-sell', input);
  const { quietPeriodMs, sendWindowMs, attributionWindowMs } = input.timing;

  const content = await journey.chooseContent({ ...journey.ref, productIds: input.productIds });
  if (content.productIds.length === 0) await journey.skip('no_content');
  else if (await journey.waitFor(content.delayMs ?? quietPeriodMs, 'send complementary_items')) {
    const touch = await journey.touch({ step: 1, contentType: 'complementary_items', productIds: content.productIds, windowMs: sendWindowMs });
    if (touch.sent) await journey.awaitConversion(attributionWindowMs);
  } else await journey.skip(journey.stopReason() ?? 'cancelled');
  return journey.finish();
}
