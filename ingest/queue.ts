import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { PiiCipher } from '../lib/pii.ts';
import type { CanonicalEvent } from './canonical.ts';
import { isUniqueViolation } from './errors.ts';
import { run } from './sql-rows.ts';

// The accepting half of staged ingest: validated canonical events are appended to ingest_queue in one
// statement and the sender is answered; the queue processor (ingest/queue-processor.ts) stores them
// through the entry path moments later. Used by the high-volume Segment endpoints, whose senders
// (analytics.js, the server libraries) expect a fast 200 and retry on anything else.

export interface QueueDeps {
  database: Database;
  cipher: PiiCipher;
}

export interface QueueOutcome {
  /** Appended to the queue, to be stored by the processor. */
  queued: number;
  /** Already queued or already stored under the same (source, event id): not queued again. */
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

/**
 * Queues a request's events in the order sent. An event whose id is queued or stored already is a
 * duplicate. A resend racing the processor's commit can still be queued; the entry path then finds it
 * stored and does not store it twice.
 *
 * First a plain insert that skips events already stored (the probe of `events` is an index look-up per
 * event). An event already queued, or twice in the request, makes the queue's unique index refuse the
 * whole statement (nothing is queued); the request is then queued again with `on conflict do nothing`.
 * That statement is the one that finds queued duplicates, but its speculative insertion costs Postgres
 * half again as much per event (12 µs instead of 8), and a resend of a still-queued event is rare.
 */
export async function queueEvents(deps: QueueDeps, shopId: string, source: string, events: CanonicalEvent[]): Promise<QueueOutcome> {
  if (events.length === 0) return { queued: 0, duplicates: 0 };
  const ids = events.map((e) => e.eventId);
  // The events travel as one text of lines (JSON.stringify and the ciphertext never hold a line break):
  // as a text[] the driver escaped every quote of every event, a tenth of the endpoint's time.
  const lines = events.map((e) => sealEvent(deps.cipher, e)).join('\n');
  // No per-row JSON for Postgres to parse, ids and events zipped in order. `offset 0` keeps the
  // probe of events a look-up per event (unflattened, it was planned as a hash anti-join over the shop's
  // whole events table: 44 ms per 200 events instead of 2-3).
  const rows = sql`rows from (unnest(${sql.param(ids)}::text[]), string_to_table(${lines}::text, E'\n')) with ordinality as k(e, b, n)
      where not exists (select 1 from events v where v.shop_id = ${shopId} and v.source = ${source} and v.source_event_id = k.e offset 0)
      order by k.n`;
  const insert = (onConflict: SQL) => run<{ n: number }>(deps.database.db, sql`with q as (
      insert into ingest_queue (shop_id, source, event_id, event) select ${shopId}, ${source}, k.e, k.b from ${rows} ${onConflict} returning 1)
    select count(*)::int as n from q`);
  let row: { n: number } | undefined;
  try {
    [row] = await insert(sql``);
  } catch (error) {
    if (!isUniqueViolation(error, 'ingest_queue_event_idx')) throw error;
    [row] = await insert(sql`on conflict do nothing`);
  }
  const queued = Number(row?.n ?? 0);
  return { queued, duplicates: events.length - queued };
}

/** Events waiting in the queue (all shops), for the back-pressure check, benches and operators. */
export async function queueDepth(database: Database): Promise<number> {
  const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from ingest_queue`);
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
