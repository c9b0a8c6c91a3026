import { JourneyKernel } from './kernel.ts';
import type { JourneyInputBase, JourneyResult } from './types.ts';

export interface WinBackInput extends JourneyInputBase {
  /** The lifecycle stage the customer turned to. */
  stage: 'at-risk' | 'lapsed';
}

/** The most a win-back offer may give away; the discount learner picks at or below it. */
const WIN_BACK_MAX_DISCOUNT = 20;

/** A customer drifting away (at-risk or lapsed): one personal offer with a learned discount. */
export async function winBackJourney(input: WinBackInput): Promise<JourneyResult> {
  const journey = JourneyKernel.for('win-back', input);
  const { sendWindowMs, attributionWindowMs } = input.timing;

  const content = await journey.chooseContent({ ...journey.ref, productIds: [] });
  const touch = content.productIds.length
    ? await journey.touch({ step: 1, contentType: 'winback_offer', productIds: content.productIds, windowMs: sendWindowMs, maxDiscountTier: WIN_BACK_MAX_DISCOUNT })
    : await journey.skip('no_content');
  if (touch.sent) await journey.awaitConversion(attributionWindowMs);
  return journey.finish();
}
