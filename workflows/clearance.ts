import { JourneyKernel } from './kernel.ts';
import type { JourneyInputBase, JourneyResult } from './types.ts';

export interface ClearanceInput extends JourneyInputBase {
  campaignId: string;
  /** The campaign's items (low-stock or seasonal). */
  productIds: string[];
}

/** One customer's part of a clearance campaign: the campaign's items that are still in stock. */
export async function clearanceJourney(input: ClearanceInput): Promise<JourneyResult> {
  const journey = JourneyKernel.for('clearance', input);
  const { sendWindowMs, attributionWindowMs } = input.timing;

  const content = await journey.chooseContent({ ...journey.ref, productIds: input.productIds });
  const touch = content.productIds.length
    ? await journey.touch({ step: 1, contentType: 'clearance', productIds: content.productIds, windowMs: sendWindowMs })
    : await journey.skip('out_of_stock');
  if (touch.sent) await journey.awaitConversion(attributionWindowMs);
  return journey.finish();
}
