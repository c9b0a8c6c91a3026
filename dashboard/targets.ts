import { z } from 'zod';

/**
 * The targets every number is drawn against. Defaults are the shop owners' stated goals; a shop may
 * set its own in `shops.settings.targets` (rates as fractions, e.g. `{ "openRate": 0.3 }`).
 */
export const targetsSchema = z.object({
  openRate: z.number().min(0).max(1).default(0.25),
  clickThroughRate: z.number().min(0).max(1).default(0.035),
  conversionOfTraffic: z.number().min(0).max(1).default(0.012),
});
export type Targets = z.infer<typeof targetsSchema>;

export function shopTargets(raw: unknown): Targets {
  const parsed = targetsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : targetsSchema.parse({});
}
