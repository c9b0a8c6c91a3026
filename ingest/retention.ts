import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

export interface RetentionResult {
  deleted: number;
  byShop: Record<string, number>;
  /** Remembered webhook delivery IDs past WEBHOOK_DELIVERY_MEMORY_DAYS, removed. */
  deliveriesForgotten?: number;
}

/**
 * How long a webhook delivery ID is remembered to refuse its replay. Far beyond every provider's
 * retry schedule (Shopify retries for 48 hours, Svix for about a day and a half); a replay older than
 * this is still caught by the event's own source ID where the payload has one.
 */
export const WEBHOOK_DELIVERY_MEMORY_DAYS = 30;

/**
 * Removes raw events older than each shop's retention period (shops.event_retention_days), in slices
 * so a large backlog never holds long locks. Orders, carts, customers and consents are records, not
 * raw events, and stay. Note: deduplication of a source event is only guaranteed while its row exists.
 */
export async function removeExpiredEvents(database: Database, now: Date, sliceSize = 5_000): Promise<RetentionResult> {
  const shops = await database.rows<{ id: string; days: number }>(sql`select id, event_retention_days as days from shops`);
  const result: RetentionResult = { deleted: 0, byShop: {} };
  for (const shop of shops) {
    const cutoff = new Date(now.getTime() - shop.days * 86_400_000).toISOString();
    let removed = 0;
    for (;;) {
      const rows = await database.rows<{ id: number }>(sql`delete from events where id in (
        select id from events where shop_id = ${shop.id} and occurred_at < ${cutoff}::timestamptz limit ${sliceSize}) returning id`);
      removed += rows.length;
      if (rows.length < sliceSize) break;
    }
    if (removed) result.byShop[shop.id] = removed;
    result.deleted += removed;
  }
  return result;
}

/** Removes remembered webhook delivery IDs older than WEBHOOK_DELIVERY_MEMORY_DAYS, in slices. */
export async function forgetOldDeliveries(database: Database, now: Date, sliceSize = 5_000): Promise<number> {
  const cutoff = new Date(now.getTime() - WEBHOOK_DELIVERY_MEMORY_DAYS * 86_400_000).toISOString();
  let removed = 0;
  for (;;) {
    const rows = await database.rows<{ source: string }>(sql`delete from webhook_deliveries where (source, delivery_id) in (
      select source, delivery_id from webhook_deliveries where received_at < ${cutoff}::timestamptz limit ${sliceSize}) returning source`);
    removed += rows.length;
    if (rows.length < sliceSize) return removed;
  }
}

/** The activity a Temporal Schedule runs (e.g. daily): `removeExpiredRawEvents`. */
export function createRetentionActivities(deps: { database: Database; now?: () => Date }) {
  return {
    async removeExpiredRawEvents(): Promise<RetentionResult> {
      const now = (deps.now ?? (() => new Date()))();
      const result = await removeExpiredEvents(deps.database, now);
      return { ...result, deliveriesForgotten: await forgetOldDeliveries(deps.database, now) };
    },
  };
}
