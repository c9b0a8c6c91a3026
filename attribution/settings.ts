import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { shops } from '../db/schema.ts';

const DAY_MS = 86_400_000;

/**
 * Per-shop attribution rules, kept in `shops.settings.attribution`:
 * `{ "clickWindowDays": 5, "openWindowDays": 1, "excludeMachineOpens": true, "untrackedSendWindowDays": 5 }`.
 */
export const attributionSettingsSchema = z.object({
  clickWindowDays: z.number().min(0).max(90).default(5),
  openWindowDays: z.number().min(0).max(90).default(1),
  excludeMachineOpens: z.boolean().default(true),
  /**
   * Messages through a provider that cannot report opens or clicks (the dev outbox) are credited for
   * this long after the send instead; 0 turns that off.
   */
  untrackedSendWindowDays: z.number().min(0).max(90).default(5),
});

export interface AttributionSettings {
  clickWindowMs: number;
  openWindowMs: number;
  excludeMachineOpens: boolean;
  untrackedSendWindowMs: number;
}

export function attributionSettings(raw: unknown): AttributionSettings {
  const parsed = attributionSettingsSchema.safeParse(raw ?? {});
  // A shop's broken settings must not stop orders being attributed: fall back to the defaults.
  const s = parsed.success ? parsed.data : attributionSettingsSchema.parse({});
  return {
    clickWindowMs: s.clickWindowDays * DAY_MS,
    openWindowMs: s.openWindowDays * DAY_MS,
    excludeMachineOpens: s.excludeMachineOpens,
    untrackedSendWindowMs: s.untrackedSendWindowDays * DAY_MS,
  };
}

export async function loadAttributionSettings(db: Db, shopId: string): Promise<AttributionSettings> {
  const [shop] = await db.select({ settings: shops.settings }).from(shops).where(eq(shops.id, shopId));
  return attributionSettings(shop?.settings.attribution);
}
