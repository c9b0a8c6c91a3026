import { sql } from 'drizzle-orm';
import { rejectedPayloads } from '../db/schema.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { piiLookupHashes } from '../lib/pii.ts';
import { startPollLoop } from '../lib/poll-loop.ts';
import type { CanonicalEvent } from './canonical.ts';
import { applyEventsIn, type EntryDeps } from './entry.ts';
import { isRetryable } from './errors.ts';
import type { Tx } from './identity.ts';
import { queueTriggersOf, summarise } from './pipeline.ts';
import { queuedLines, unsealEvent } from './queue.ts';
import { run } from './sql-rows.ts';

// The storing half of staged ingest: queued events go through the one entry path (ingest/entry.ts),
// their journey triggers into the outbox, and their requests' queue rows are deleted, all in one transaction.
// One processor at a time per shop (a transaction-scoped advisory lock), so a shop's events are stored
// in the order they were queued; any number of processes may run one.

/** The endpoint recorded for a queued event the entry path refused (ingest/replay.ts replays it as canonical). */
export const QUEUED_ENDPOINT = '(ingest queue)';
/** Advisory-lock class of the per-shop processing lock (the second key is the shop's hash). */
const LOCK_CLASS = 7_305;
const MAX_ATTEMPTS = 30;

export interface QueueProcessorDeps extends EntryDeps {
  logger?: Logger;
  metrics?: Metrics;
}

export interface QueueOptions {
  /**
   * Events stored per shop per transaction, at most, in whole queued requests (a larger request alone):
   * larger batches amortise the entry path's statements.
   */
  batchSize: number;
  /** Pause between rounds when the queue was empty (a nudge from this process's API ends it early). */
  pollMs: number;
  /** Queued events this processor stores before it vacuums the queue table once the queue is empty. */
  vacuumAfter: number;
}

export const QUEUE_DEFAULTS: QueueOptions = { batchSize: 2_500, pollMs: 100, vacuumAfter: 20_000 };

/**
 * Every queued request is a row (and its compressed events a few TOAST chunks) inserted and soon deleted.
 * Until a vacuum, the dead rows stay in the table and its index: each insert lands in a fuller index, each
 * backlog count reads them all. Autovacuum clears them where it runs (it is off on some servers, this
 * project's CI machines among them), so the processor also vacuums the queue, at a quiet moment: when a
 * round finds it empty and this processor has stored vacuumAfter events since its last vacuum, or after
 * ten times as many if it is never empty.
 */
export async function vacuumQueue(deps: QueueProcessorDeps): Promise<void> {
  const started = performance.now();
  await deps.database.rows(sql`vacuum ingest_queue`);
  deps.logger?.debug({ ms: Math.round(performance.now() - started) }, 'ingest queue vacuumed');
}

export interface RoundResult {
  /** Queued events taken (stored, duplicate or refused). */
  processed: number;
  /** Shops skipped because another processor holds them. */
  busy: number;
}

/** Shops with queued events: a loose index scan over the queue's primary key (one probe per shop). */
const queuedShops = async (deps: EntryDeps): Promise<string[]> =>
  (await run<{ shop: string }>(deps.database.db, sql`with recursive s(shop) as (
      select min(shop_id) from ingest_queue
      union all select (select min(shop_id) from ingest_queue where shop_id > s.shop) from s where s.shop is not null)
    select shop from s where shop is not null`)).map((r) => r.shop);

/** One round: the oldest `batchSize` queued events of every shop this processor can lock. */
export async function processQueued(deps: QueueProcessorDeps, options: Partial<QueueOptions> = {}): Promise<RoundResult> {
  const { batchSize } = { ...QUEUE_DEFAULTS, ...options };
  const round: RoundResult = { processed: 0, busy: 0 };
  for (const shopId of await queuedShops(deps)) {
    const n = await processShop(deps, shopId, batchSize);
    if (n === null) round.busy++;
    else round.processed += n;
  }
  return round;
}

/** Processes rounds until the queue is empty (tests, imports of a backlog, benches). */
export async function drainQueue(deps: QueueProcessorDeps, options: Partial<QueueOptions> = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const round = await processQueued(deps, options);
    total += round.processed;
    if (round.processed === 0 && round.busy === 0) return total;
    if (round.processed === 0) await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Stores everything a shop has queued now, waiting for another processor that holds it (an erase runs
 * this first, so no event of the customer is stored after it).
 */
export async function drainShop(deps: QueueProcessorDeps, shopId: string, options: Partial<QueueOptions> = {}): Promise<number> {
  const { batchSize } = { ...QUEUE_DEFAULTS, ...options };
  let total = 0;
  for (;;) {
    const n = await processShop(deps, shopId, batchSize);
    if (n === 0) return total;
    if (n === null) await new Promise((r) => setTimeout(r, 20));
    else total += n;
  }
}

/** Stores a shop's oldest queued events; null when another processor holds the shop. */
async function processShop(deps: QueueProcessorDeps, shopId: string, limit: number): Promise<number | null> {
  for (let attempt = 1; ; attempt++) {
    const counted: { source: string; results: Parameters<typeof summarise>[2]; triggers: number }[] = [];
    try {
      const n = await deps.database.db.transaction(async (tx) => {
        counted.length = 0;
        const [lock] = await run<{ got: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(${shopId})) as got`);
        if (!lock?.got) return null;
        // Whole requests in queue order, as many as hold at most `limit` events (always the first, however large).
        const requests = await run<{ id: string | number; source: string; events: string }>(tx, sql`with w as (
            select id, sum(event_count) over (order by id) as upto from ingest_queue where shop_id = ${shopId} order by id limit ${limit})
          select q.id, q.source, q.events from w join ingest_queue q on q.shop_id = ${shopId} and q.id = w.id
          where w.upto <= ${limit} or w.id = (select min(id) from w) order by q.id`);
        if (requests.length === 0) return 0;
        const rows = requests.flatMap((r) => queuedLines(r.events).map((event, k) => ({ source: r.source, event, request: r.id, k })));
        // Consecutive events of one source are stored together, in queue order.
        let start = 0;
        while (start < rows.length) {
          let end = start;
          while (end < rows.length && rows[end]!.source === rows[start]!.source) end++;
          counted.push(await storeRun(tx, deps, shopId, rows[start]!.source, rows.slice(start, end)));
          start = end;
        }
        await run(tx, sql`delete from ingest_queue where shop_id = ${shopId} and id = any(${sql.param(requests.map((r) => String(r.id)))}::text[]::bigint[])`);
        return rows.length;
      });
      for (const c of counted) summarise(deps, c.source, c.results, c.triggers);
      return n;
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
        await new Promise((r) => setTimeout(r, Math.min(50, 5 * attempt) * Math.random()));
        continue;
      }
      throw error;
    }
  }
}

/** One source's run of queued events through the entry path; what it refuses is kept with the reason. */
async function storeRun(tx: Tx, deps: QueueProcessorDeps, shopId: string, source: string, rows: { event: string; request: string | number; k: number }[]) {
  const events: CanonicalEvent[] = [];
  const unreadable: { row: (typeof rows)[number]; error: string }[] = [];
  for (const row of rows) {
    try {
      events.push(unsealEvent(deps.cipher, row.event));
    } catch (error) {
      unreadable.push({ row, error: `the queued event cannot be read (was PII_ENCRYPTION_KEY changed?): ${(error as Error).message}` });
    }
  }
  const queued = { n: 0 };
  const results = await applyEventsIn(tx, deps, shopId, source, events, queueTriggersOf(shopId, source, queued));
  const refused = results.flatMap((r, i) => (r.ok ? [] : [{ event: events[i]!, error: r.error }]));
  if (refused.length || unreadable.length) {
    const kept = [
      ...refused.map(({ event, error }) => ({ text: JSON.stringify(event), encrypted: false, field: `(${event.type} ${event.eventId})`, error })),
      ...unreadable.map(({ row, error }) => ({ text: row.event, encrypted: !row.event.startsWith('{'), field: `(queued request ${row.request}, event ${row.k + 1})`, error })),
    ];
    await tx.insert(rejectedPayloads).values(kept.map((k) => ({
      shopId, source, endpoint: QUEUED_ENDPOINT, status: 422,
      reason: { code: 'not_stored', message: 'accepted, then refused by the entry path', errors: [{ field: k.field, message: k.error }] },
      // Kept as the rejections of the endpoints are: encrypted, found for an erase by the look-up hashes.
      body: k.encrypted ? k.text : deps.cipher.encrypt(k.text), bodyEncrypted: true,
      piiHashes: k.encrypted ? [] : piiLookupHashes(deps.cipher, k.text),
    })));
    for (const _ of kept) deps.metrics?.eventsRejected.inc({ source, status: '422' });
  }
  return { source, results, triggers: queued.n };
}

export interface QueueProcessor {
  /** Starts a round now (the API calls it after queueing, so events are stored within moments). */
  nudge(): void;
  /** Finishes the round in flight and stops. */
  stop(): Promise<void>;
}

/**
 * Runs rounds until stopped: back to back while a round finds work, otherwise after pollMs or a nudge.
 * A failed round (database away) is logged and retried after a pause; it never stops the loop.
 */
export function startQueueProcessor(deps: QueueProcessorDeps, options: Partial<QueueOptions> = {}): QueueProcessor {
  const o = { ...QUEUE_DEFAULTS, ...options };
  let storedSinceVacuum = 0;
  const loop = startPollLoop(async () => {
    const round = await processQueued(deps, o);
    storedSinceVacuum += round.processed;
    if ((round.processed === 0 && storedSinceVacuum >= o.vacuumAfter) || storedSinceVacuum >= 10 * o.vacuumAfter) {
      storedSinceVacuum = 0;
      await vacuumQueue(deps);
    }
    // Another process holding the only shop with work: look again soon, not at once.
    return round.processed > 0 ? 0 : round.busy > 0 ? Math.min(50, o.pollMs) : o.pollMs;
  }, (error) => deps.logger?.error({ err: error }, 'ingest queue round failed; retrying'), Math.max(o.pollMs, 1_000));
  return { nudge: () => loop.wake(), stop: () => loop.stop() };
}
