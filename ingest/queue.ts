import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { PiiCipher } from '../lib/pii.ts';
import type { CanonicalEvent } from './canonical.ts';
import { run } from './sql-rows.ts';

// The accepting half of staged ingest: a request's validated canonical events are appended to
// ingest_queue as one row in one statement and the sender is answered; the queue processor
// (ingest/queue-processor.ts) stores them through the entry path moments later. Used by the
// high-volume Segment endpoints, whose senders (analytics.js, the server libraries) expect a fast 200
// and retry on anything else.

export interface QueueDeps {
  database: Database;
  cipher: PiiCipher;
}

export interface QueueOutcome {
  /** Appended to the queue, to be stored by the processor. */
  queued: number;
  /** Already stored under the same (source, event id), or repeated in the request: not queued (or, stored ones beside new ones, skipped when stored). */
  duplicates: number;
}

/** Does the event carry an e-mail address or phone number? Those are kept only encrypted, here too. */
const namesContact = (e: CanonicalEvent) => 'customer' in e && e.customer !== undefined && (e.customer.email !== undefined || e.customer.phone !== undefined);

/** The queued form of an event: its JSON, encrypted when it names a contact (a ciphertext never starts with `{`). */
export const sealEvent = (cipher: PiiCipher, event: CanonicalEvent): string => {
  const json = JSON.stringify(event);
  return namesContact(event) ? cipher.encrypt(json) : json;
};

export const unsealEvent = (cipher: PiiCipher, text: string): CanonicalEvent => JSON.parse(text.startsWith('{') ? text : cipher.decrypt(text)) as CanonicalEvent;

/** A queue row's events as they were sealed, in the order sent (JSON.stringify and the ciphertext never hold a line break). */
export const queuedLines = (events: string): string[] => events.split('\n');

/**
 * Queues a request's events, in the order sent, as one queue row. An event repeated in the request (its
 * first sending is queued) or already stored is a duplicate. An event resent while its first sending still
 * waits in the queue is queued again; the entry path finds it stored by then and does not store it twice
 * (it counts it a duplicate there, ingest/batch.ts).
 *
 * One statement: an index probe of `events` per event (`offset 0` keeps each one a look-up; unflattened,
 * it was planned as a hash anti-join over the shop's whole events table: 44 ms per 200 events instead of
 * 2-3), and the insert of the row unless every event is stored already. Stored ones in a request with new
 * ones (a rare partial resend) are queued with them and skipped by the entry path. As one text of lines
 * the events cost the driver nothing to escape (as a text[] of events, escaping their quotes was a tenth
 * of the endpoint's time).
 */
export async function queueEvents(deps: QueueDeps, shopId: string, source: string, events: CanonicalEvent[]): Promise<QueueOutcome> {
  const seen = new Set<string>();
  const unique = events.filter((e) => !seen.has(e.eventId) && (seen.add(e.eventId), true));
  if (unique.length === 0) return { queued: 0, duplicates: events.length };
  const lines = unique.map((e) => sealEvent(deps.cipher, e)).join('\n');
  const [row] = await run<{ stored: number }>(deps.database.db, sql`with d as (
      select count(*)::int as stored from unnest(${sql.param(unique.map((e) => e.eventId))}::text[]) as k(e)
      where exists (select 1 from events v where v.shop_id = ${shopId} and v.source = ${source} and v.source_event_id = k.e offset 0)),
    q as (insert into ingest_queue (shop_id, source, event_count, events) select ${shopId}, ${source}, ${unique.length}, ${lines} from d where d.stored < ${unique.length})
    select stored from d`);
  const queued = unique.length - Number(row?.stored ?? 0);
  return { queued, duplicates: events.length - queued };
}

/** Events waiting in the queue (all shops), for the back-pressure check, benches and operators. */
export async function queueDepth(database: Database): Promise<number> {
  const [row] = await database.rows<{ n: number }>(sql`select coalesce(sum(event_count), 0)::int as n from ingest_queue`);
  return Number(row?.n ?? 0);
}

/** Queued events over which the Segment endpoints answer 429 instead of queueing more. */
export const MAX_QUEUE_BACKLOG = 200_000;

/**
 * The queue's backlog as the endpoints see it: `overloaded()` answers at once from the last count and
 * starts a new count when that one is over a second old (one count at a time, whoever processes the queue).
 */
export function watchQueueBacklog(database: Database, maxBacklog = MAX_QUEUE_BACKLOG, everyMs = 1_000): { overloaded(): boolean } {
  let depth = 0;
  let countedAt = 0;
  let counting = false;
  return {
    overloaded() {
      if (!counting && Date.now() - countedAt > everyMs) {
        counting = true;
        queueDepth(database).then((n) => { depth = n; }, () => {}).finally(() => {
          counting = false;
          countedAt = Date.now();
        });
      }
      return depth > maxBacklog;
    },
  };
}
