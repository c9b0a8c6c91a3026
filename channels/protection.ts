import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { frequencySlots, suppressions, throttleBuckets, type SuppressionReason } from '../db/schema-channels.ts';
import type { Channel } from '../workflows/types.ts';

// Protection rules that must hold even when two journeys race: each is one conditional statement in
// Postgres, so the database, not the caller's timing, decides who passes.

/** Marketing frequency caps per customer and channel (defaults; shops may tighten them in settings). */
export const DEFAULT_FREQUENCY_CAP_MS: Partial<Record<Channel, number>> = {
  email: 16 * 3_600_000,
  sms: 24 * 3_600_000,
  whatsapp: 24 * 3_600_000,
  push: 12 * 3_600_000,
};

/**
 * The cap for a channel: `settings.frequencyCapHours[channel]` on the shop, else the default; times
 * JOURNEY_TIME_SCALE (`timeScale`), like every other journey wait, so a compressed journey's next
 * slot is compressed too (16 h of e-mail cap is 5.8 s at 0.0001), not hours of real time.
 */
export function frequencyCapMs(channel: Channel, shopSettings: Record<string, unknown>, timeScale = 1): number | undefined {
  const hours = (shopSettings.frequencyCapHours as Record<string, unknown> | undefined)?.[channel];
  const capMs = typeof hours === 'number' && hours >= 0 ? hours * 3_600_000 : DEFAULT_FREQUENCY_CAP_MS[channel];
  return capMs === undefined ? undefined : Math.round(capMs * timeScale);
}

/**
 * Takes the customer's send slot on a channel for this dispatch if the last send is older than the
 * cap, in one upsert. The same dispatch taking it again (a retry) passes. Returns null when taken,
 * otherwise the instant the slot frees up.
 */
export async function takeFrequencySlot(
  db: Db,
  slot: { shopId: string; customerId: string; channel: Channel; dispatchId: string; at: Date; capMs: number },
): Promise<Date | null> {
  const taken = await db
    .insert(frequencySlots)
    .values({ shopId: slot.shopId, customerId: slot.customerId, channel: slot.channel, lastSentAt: slot.at, dispatchId: slot.dispatchId })
    .onConflictDoUpdate({
      target: [frequencySlots.shopId, frequencySlots.customerId, frequencySlots.channel],
      set: { lastSentAt: slot.at, dispatchId: slot.dispatchId },
      setWhere: sql`${frequencySlots.dispatchId} = ${slot.dispatchId} or ${frequencySlots.lastSentAt} <= ${new Date(slot.at.getTime() - slot.capMs).toISOString()}::timestamptz`,
    })
    .returning({ dispatchId: frequencySlots.dispatchId });
  if (taken.length > 0) return null;
  const [holder] = await db
    .select({ lastSentAt: frequencySlots.lastSentAt })
    .from(frequencySlots)
    .where(and(eq(frequencySlots.shopId, slot.shopId), eq(frequencySlots.customerId, slot.customerId), eq(frequencySlots.channel, slot.channel)));
  return new Date((holder?.lastSentAt.getTime() ?? slot.at.getTime()) + slot.capMs);
}

/** Gives the slot back when the dispatch holding it did not send after all. */
export async function releaseFrequencySlot(db: Db, shopId: string, customerId: string, channel: Channel, dispatchId: string): Promise<void> {
  await db
    .delete(frequencySlots)
    .where(and(eq(frequencySlots.shopId, shopId), eq(frequencySlots.customerId, customerId), eq(frequencySlots.channel, channel), eq(frequencySlots.dispatchId, dispatchId)));
}

export async function isSuppressed(db: Db, shopId: string, channel: Channel, addressHash: string): Promise<SuppressionReason | null> {
  const [row] = await db
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(and(eq(suppressions.shopId, shopId), eq(suppressions.channel, channel), eq(suppressions.addressHash, addressHash)));
  return row?.reason ?? null;
}

export async function suppress(db: Db, entry: { shopId: string; channel: Channel; addressHash: string; reason: SuppressionReason; source: string }): Promise<void> {
  await db.insert(suppressions).values(entry).onConflictDoNothing();
}

/**
 * Takes one token from the shop's bucket for a provider (capacity = one second of sends, refilled
 * continuously). Returns 0 when a token was taken, otherwise how many milliseconds until one is free.
 */
export async function takeThrottleToken(db: Db, bucket: { shopId: string; provider: string; ratePerSecond: number; now: Date }): Promise<number> {
  const capacity = Math.max(1, bucket.ratePerSecond);
  const now = bucket.now.toISOString();
  await db
    .insert(throttleBuckets)
    .values({ shopId: bucket.shopId, provider: bucket.provider, tokens: capacity, refilledAt: bucket.now })
    .onConflictDoNothing();
  const refilled = sql`least(${capacity}::float8, ${throttleBuckets.tokens} + greatest(0, extract(epoch from (${now}::timestamptz - ${throttleBuckets.refilledAt}))) * ${bucket.ratePerSecond}::float8)`;
  const taken = await db
    .update(throttleBuckets)
    .set({ tokens: sql`${refilled} - 1`, refilledAt: sql`greatest(${throttleBuckets.refilledAt}, ${now}::timestamptz)` })
    .where(and(eq(throttleBuckets.shopId, bucket.shopId), eq(throttleBuckets.provider, bucket.provider), sql`${refilled} >= 1`))
    .returning({ tokens: throttleBuckets.tokens });
  if (taken.length > 0) return 0;
  const [row] = await db
    .select({ tokens: throttleBuckets.tokens, refilledAt: throttleBuckets.refilledAt })
    .from(throttleBuckets)
    .where(and(eq(throttleBuckets.shopId, bucket.shopId), eq(throttleBuckets.provider, bucket.provider)));
  const elapsed = Math.max(0, (bucket.now.getTime() - (row?.refilledAt.getTime() ?? bucket.now.getTime())) / 1000);
  const tokens = Math.min(capacity, (row?.tokens ?? 0) + elapsed * bucket.ratePerSecond);
  return Math.max(1, Math.ceil(((1 - tokens) / bucket.ratePerSecond) * 1000));
}
