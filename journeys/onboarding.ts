import type { OnboardingInput } from '../workflows/onboarding.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startJourney, WorkflowIdReusePolicy, type FireRound } from './start.ts';
import { journeyTiming } from './timing.ts';

/** Every customer is onboarded once: the trigger key is fixed and a finished journey is never rerun. */
export function startOnboarding(deps: JourneyClientDeps, shopId: string, customerId: string, round?: FireRound): Promise<string | null> {
  const input: OnboardingInput = { version: 1, shopId, customerId, timing: journeyTiming('onboarding', deps.timeScale) };
  return startJourney(deps, { journey: 'onboarding', shopId, customerId, triggerKey: 'first-day', input, reusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE }, round);
}
