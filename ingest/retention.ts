import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

export interface RetentionResult {
  deleted: number;
  byShop: Record<string, number>;
}

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

/** The activity a Temporal Schedule runs (e.g. daily): `removeExpiredRawEvents`. */
export function createRetentionActivities(deps: { database: Database; now?: () => Date }) {
  return {
    async removeExpiredRawEvents(): Promise<RetentionResult> {
      return removeExpiredEvents(deps.database, (deps.now ?? (() => new Date()))());
    },
  };
}
