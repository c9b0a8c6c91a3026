import type { Db } from '../db/client.ts';
import { assignVariant } from '../experiments/assign.ts';
import { runningExperimentFor } from '../experiments/store.ts';

/**
 * The recommender engine the customer's experiment arm asks for, if any. Content is chosen before
 * decide records the exposure, so this reads the running experiment and the customer's sticky
 * assignment (the same arm decide will record) without recording anything itself. The holdout
 * gets no message, so it asks for nothing.
 */
export async function variantEngine(db: Db, ref: { shopId: string; journey: string; customerId: string }): Promise<string | null> {
  const experiment = await runningExperimentFor(db, ref.shopId, ref.journey);
  if (!experiment) return null;
  const arm = assignVariant(experiment, ref.customerId);
  if (arm.holdout) return null;
  return experiment.variants.find((v) => v.key === arm.variant)?.changes.engine ?? null;
}
