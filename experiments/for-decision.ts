import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { experimentExposures, experiments, type VariantChanges } from '../db/schema-experiments.ts';
import { assignVariant } from './assign.ts';
import { runningExperimentFor } from './store.ts';

export interface DecisionAssignment {
  experimentId: string;
  experimentName: string;
  /** The variant key, or "holdout". */
  variant: string;
  /** `<experiment name>/<variant>`: what the Decision's `variant` and the NbVariant search attribute carry. */
  label: string;
  changes: VariantChanges;
  /** The holdout gets no message: decide returns action "none" with reason "holdout". */
  holdout: boolean;
  /** Probability of this arm for this customer, for `propensities.variant`. */
  propensity: number;
}

export interface DecisionRef {
  shopId: string;
  customerId: string;
  journey: string;
  workflowId: string;
  step: number;
  /** When the decision is made (the activity's clock); defaults to now. */
  at?: Date;
}

/**
 * The experiment arm for one journey step, with its exposure recorded. Idempotent on (workflow, step):
 * a retried decide gets the arm recorded the first time, even if the experiment stopped since.
 * Returns null when no running experiment covers the journey.
 */
export async function assignForDecision(db: Db, ref: DecisionRef): Promise<DecisionAssignment | null> {
  const earlier = await recordedAssignment(db, ref);
  if (earlier) return earlier;
  const experiment = await runningExperimentFor(db, ref.shopId, ref.journey);
  if (!experiment) return null;
  const arm = assignVariant(experiment, ref.customerId);
  await db
    .insert(experimentExposures)
    .values({
      experimentId: experiment.id,
      workflowId: ref.workflowId,
      step: ref.step,
      shopId: ref.shopId,
      customerId: ref.customerId,
      journey: ref.journey,
      variant: arm.variant,
      holdout: arm.holdout,
      propensity: arm.propensity,
      exposedAt: ref.at ?? new Date(),
    })
    .onConflictDoNothing();
  return (await recordedAssignment(db, ref))!;
}

async function recordedAssignment(db: Db, ref: DecisionRef): Promise<DecisionAssignment | null> {
  const [row] = await db
    .select({ exposure: experimentExposures, experiment: experiments })
    .from(experimentExposures)
    .innerJoin(experiments, eq(experiments.id, experimentExposures.experimentId))
    .where(and(eq(experimentExposures.shopId, ref.shopId), eq(experimentExposures.workflowId, ref.workflowId), eq(experimentExposures.step, ref.step)))
    .limit(1);
  if (!row) return null;
  const { exposure, experiment } = row;
  return {
    experimentId: experiment.id,
    experimentName: experiment.name,
    variant: exposure.variant,
    label: `${experiment.name}/${exposure.variant}`,
    changes: experiment.variants.find((v) => v.key === exposure.variant)?.changes ?? {},
    holdout: exposure.holdout,
    propensity: exposure.propensity,
  };
}
