import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webhookDeliveries } from '../db/schema-webhooks.ts';

// The replay window of signed webhooks. A valid signature proves who sent a body, not when: a delivery
// captured once could be posted again. Each provider gives what it can:
//  - Resend (Svix): svix-timestamp is signed with the body; more than 5 minutes off our clock (either way)
//    is refused, as the Svix libraries do, and svix-id is remembered.
//  - Shopify: X-Shopify-Triggered-At (when Shopify fired the webhook; its retries keep it, for up to
//    4 hours) older than 24 hours is refused; X-Shopify-Webhook-Id is remembered per shop.
//  - WooCommerce: X-WC-Webhook-Delivery-ID is remembered per shop (no timestamp is sent).
//  - Twilio: no timestamp; MessageSid with its MessageStatus (status callbacks) or MessageSid (inbound).
// Shopify's and WooCommerce's headers are not covered by the HMAC, so they stop a provider's repeat and
// a naive replay; a replayed body with altered headers is still a duplicate event for the entry path,
// which dedupes on ids derived from the signed body.

export const SVIX_TOLERANCE_MS = 5 * 60_000;
export const SHOPIFY_MAX_AGE_MS = 24 * 3_600_000;
/** Clock skew accepted for a sender's timestamp in the future. */
export const FUTURE_SKEW_MS = 5 * 60_000;

export type Staleness = { code: 'stale_delivery' | 'bad_timestamp'; message: string } | null;

const age = (ms: number) => (Math.abs(ms) >= 3_600_000 ? `${(Math.abs(ms) / 3_600_000).toFixed(1)} h` : `${Math.round(Math.abs(ms) / 1000)} s`);

/** Svix's signed timestamp (whole seconds): refused outside ±5 minutes of now. */
export function svixStaleness(timestamp: string, now: Date = new Date()): Staleness {
  if (!/^\d{1,12}$/.test(timestamp)) return { code: 'bad_timestamp', message: 'svix-timestamp must be whole seconds since 1970' };
  const off = now.getTime() - Number(timestamp) * 1000;
  if (Math.abs(off) <= SVIX_TOLERANCE_MS) return null;
  return { code: 'stale_delivery', message: `svix-timestamp is ${age(off)} ${off > 0 ? 'old' : 'in the future'}; deliveries are accepted within 5 minutes` };
}

/** X-Shopify-Triggered-At when present: refused when older than 24 hours or more than 5 minutes ahead. */
export function shopifyStaleness(triggeredAt: string | undefined, now: Date = new Date()): Staleness {
  if (triggeredAt === undefined) return null;
  const at = Date.parse(triggeredAt);
  if (!Number.isFinite(at)) return { code: 'bad_timestamp', message: 'X-Shopify-Triggered-At is not an ISO 8601 timestamp' };
  const off = now.getTime() - at;
  if (off > SHOPIFY_MAX_AGE_MS) return { code: 'stale_delivery', message: `X-Shopify-Triggered-At is ${age(off)} old; deliveries are accepted within 24 hours` };
  if (-off > FUTURE_SKEW_MS) return { code: 'stale_delivery', message: `X-Shopify-Triggered-At is ${age(off)} in the future` };
  return null;
}

/** When this delivery id was processed before, or null. */
export async function deliverySeen(db: Db, source: string, deliveryId: string): Promise<Date | null> {
  const [row] = await db.select({ at: webhookDeliveries.receivedAt }).from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.source, source), eq(webhookDeliveries.deliveryId, deliveryId)));
  return row?.at ?? null;
}

/** Remembers a handled delivery (after handling it, so a retry after our failure is not a replay). */
export async function recordDelivery(db: Db, source: string, deliveryId: string, shopId: string | null): Promise<void> {
  await db.insert(webhookDeliveries).values({ source, deliveryId, shopId }).onConflictDoNothing();
}

/** A header's single value, or undefined (repeated or missing headers count as missing). */
export const headerValue = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};
