import { JourneyKernel } from './kernel.ts';
import type { JourneyInputBase, JourneyResult } from './types.ts';

export type OnboardingInput = JourneyInputBase;

/**
 * A new customer's first day: let them browse for a while, then send starter packs or best sellers
 * shaped by what they looked at, within their first 24 hours.
 */
export async function onboardingJourney(input: OnboardingInput): Promise<JourneyResult> {
  const journey = JourneyKernel.for('onboarding', input);
  const { quietPeriodMs, sendWindowMs, attributionWindowMs } = input.timing;

  if (await journey.waitFor(quietPeriodMs, 'choose starter products')) {
    const content = await journey.chooseContent({ ...journey.ref, productIds: [] });
    const touch = content.productIds.length
      ? await journey.touch({ step: 1, contentType: 'starter_pack', productIds: content.productIds, windowMs: sendWindowMs - quietPeriodMs })
      : await journey.skip('no_content');
    if (touch.sent) await journey.awaitConversion(attributionWindowMs);
  } else await journey.skip(journey.stopReason() ?? 'cancelled');
  return journey.finish();
}
