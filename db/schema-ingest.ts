import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { importRuns, shops } from './schema.ts';

// Ingest's own bookkeeping: the queue of accepted events (ingest/queue*.ts), the trigger outbox
// (journeys/outbox*.ts) and the rows a bulk import refused.

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Requests accepted by the high-volume endpoints (Segment's track, identify and batch): each row holds one
 * request's events, validated and in canonical form, waiting for the queue processor to store them through
 * the entry path (ingest/queue-processor.ts), which deletes the row in the same transaction. One row per
 * request, not per event: Postgres then writes one tuple and one index entry for 200 events, not 200 of
 * each (a third of the queue insert's cost). A resend of an event still waiting here is queued again and
 * found a duplicate when stored (the entry path dedupes on source and id). No foreign key to shops, as for
 * events; a removed shop's queued requests go with it (migration 0012's trigger).
 */
export const ingestQueue = pgTable(
  'ingest_queue',
  {
    /** Arrival order within the shop: the processor stores a shop's requests in this order. */
    id: bigserial('id', { mode: 'number' }).notNull(),
    shopId: text('shop_id').notNull(),
    source: text('source').notNull(),
    /** How many events `events` holds (the backlog is their sum). */
    eventCount: integer('event_count').notNull(),
    /**
     * The request's events in the order sent, one per line: each the canonical event's JSON, or its PII-key
     * ciphertext when it names an e-mail or phone (neither holds a line break; no JSON starts with `v1.`).
     * Compressed with lz4 where the server has it (migration 0013).
     */
    events: text('events').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'ingest_queue_pkey', columns: [t.shopId, t.id] })],
);

export type OutboxStatus = 'pending' | 'firing' | 'fired' | 'coalesced' | 'dead';

/**
 * Journey triggers of stored events, written in the same transaction as the events, fired to Temporal
 * by the dispatcher. One customer's triggers fire in `id` order (`order_key`); a cart's pending change
 * is replaced by a newer one (`coalesce_key`).
 */
export const triggerOutbox = pgTable(
  'trigger_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    /** Triggers with the same key fire one after the other, in id order (the customer, or the product). */
    orderKey: text('order_key').notNull(),
    /** Set for triggers where only the latest matters (a cart's changes). */
    coalesceKey: text('coalesce_key'),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not claimed before this (backoff after a failed attempt). */
    availableAt: ts('available_at').notNull().defaultNow(),
    /** A claim by a dispatcher expires here; a crashed dispatcher's rows are claimed again after it. */
    leaseUntil: ts('lease_until'),
    createdAt: ts('created_at').notNull().defaultNow(),
    firedAt: ts('fired_at'),
    /** Workflow IDs the trigger started or signalled. */
    workflowIds: text('workflow_ids').array(),
  },
  (t) => [
    index('trigger_outbox_due_idx').on(t.availableAt).where(sql`status in ('pending', 'firing')`),
    index('trigger_outbox_order_idx').on(t.shopId, t.orderKey, t.id).where(sql`status in ('pending', 'firing')`),
    index('trigger_outbox_coalesce_idx').on(t.shopId, t.coalesceKey).where(sql`status = 'pending' and coalesce_key is not null`),
    index('trigger_outbox_done_idx').on(t.firedAt),
  ],
);

/** A record of a bulk import file that was not stored, with the line it came from and why. */
export const importRejections = pgTable(
  'import_rejections',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id').notNull().references(() => importRuns.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    reason: text('reason').notNull(),
    record: text('record').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('import_rejections_line_idx').on(t.runId, t.line)],
);
