import { z } from 'zod';
import { CHANNEL_POLICIES, DISCOUNT_POLICIES } from '../learning/policies.ts';
import { engines } from '../recs/registry.ts';
import { COPY_STYLES } from '../templates/copy.ts';

// The wire shape of an experiment, shared by the API and the CLI. Validation names the field that is
// wrong; the store keeps only definitions that passed it.

const JOURNEYS = ['cart-abandon', 'browse-abandon', 'onboarding', 'cross-sell', 'clearance', 'win-back'] as const;
const DAY_MS = 86_400_000;

export const variantChanges = z
  .object({
    engine: z.enum(Object.keys(engines) as [string, ...string[]], `one of the recommendation engines: ${Object.keys(engines).join(', ')}`).optional(),
    copyStyle: z.enum(COPY_STYLES, `one of the copy styles: ${COPY_STYLES.join(', ')}`).optional(),
    channelPolicy: z.enum(CHANNEL_POLICIES, `one of ${CHANNEL_POLICIES.join(', ')}`).optional(),
    discountPolicy: z.enum(DISCOUNT_POLICIES, `one of ${DISCOUNT_POLICIES.join(', ')}`).optional(),
  })
  .strict();

export const experimentDefinition = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, at most 40'),
    description: z.string().max(500).optional(),
    journeys: z.array(z.enum(JOURNEYS)).default([]),
    variants: z
      .array(z.object({ key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,29}$/), weight: z.number().positive().max(1000), changes: variantChanges.default({}) }))
      .min(1)
      .max(10)
      .refine((vs) => new Set(vs.map((v) => v.key)).size === vs.length, 'variant keys must be unique')
      .refine((vs) => vs.every((v) => v.key !== 'holdout'), '"holdout" is reserved for the holdout group'),
    holdoutShare: z.number().min(0).max(0.5).default(0),
    conversionWindowDays: z.number().positive().max(60).default(5),
  })
  .strict();

export type ExperimentDefinition = z.infer<typeof experimentDefinition>;
export type VariantChanges = z.infer<typeof variantChanges>;

export const HOLDOUT = 'holdout';
export const conversionWindowMs = (days: number) => Math.round(days * DAY_MS);
