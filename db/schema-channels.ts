import { bigserial, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { shops } from './schema.ts';

// Tables the channels need beside the dispatch ledger: protection rules (suppressions, frequency
// slots, provider throttles), the attempt log that makes sends exactly-once, provider events from
// webhooks, audience membership for paid social, and web-push subscriptions. No plain PII here:
// addresses appear only as keyed look-up hashes or ciphertext (lib/pii.ts).

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const shopRef = () => text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' });

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'invalid_address' | 'stop_keyword';

/** An address we must not message again on a channel, whoever it belongs to now. */
export const suppressions = pgTable(
  'suppressions',
  {
    shopId: shopRef(),
    channel: text('channel').notNull(),
    /** PiiCipher.lookupHash of the normalised address. */
    addressHash: text('address_hash').notNull(),
    reason: text('reason').$type<SuppressionReason>().notNull(),
    source: text('source').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.channel, t.addressHash] })],
);

/**
 * The last marketing send per customer and channel. Taking the slot is one conditional upsert, so two
 * journeys racing for the same customer cannot both pass the cap.
 */
export const frequencySlots = pgTable(
  'frequency_slots',
  {
    shopId: shopRef(),
    customerId: text('customer_id').notNull(),
    channel: text('channel').notNull(),
    lastSentAt: ts('last_sent_at').notNull(),
    dispatchId: text('dispatch_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.customerId, t.channel] })],
);

/** A token bucket per shop and provider, refilled by elapsed time, to stay under provider rate limits. */
export const throttleBuckets = pgTable(
  'throttle_buckets',
  {
    shopId: shopRef(),
    provider: text('provider').notNull(),
    tokens: doublePrecision('tokens').notNull(),
    refilledAt: ts('refilled_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.provider] })],
);

export type AttemptResult = 'started' | 'sent' | 'retryable' | 'permanent' | 'invalid_address';

/**
 * Each provider call for a dispatch, written before the call. An attempt left 'started' means a
 * previous try may have reached the provider: the next try must reconcile before sending again.
 */
export const dispatchAttempts = pgTable(
  'dispatch_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dispatchId: text('dispatch_id').notNull(),
    provider: text('provider').notNull(),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at'),
    result: text('result').$type<AttemptResult>().notNull().default('started'),
    error: text('error'),
  },
  (t) => [index('dispatch_attempts_dispatch_idx').on(t.dispatchId)],
);

/** Delivery, engagement and inbound events reported by providers; deduplicated on their own ids. */
export const providerEvents = pgTable(
  'provider_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id'),
    provider: text('provider').notNull(),
    providerEventId: text('provider_event_id').notNull(),
    dispatchId: text('dispatch_id'),
    customerId: text('customer_id'),
    channel: text('channel'),
    /** delivered · opened · clicked · bounced · complained · failed · inbound · stop · start */
    kind: text('kind').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('provider_events_once_idx').on(t.provider, t.providerEventId),
    index('provider_events_customer_idx').on(t.customerId, t.channel, t.kind, t.occurredAt),
  ],
);

/** Who was last uploaded to an ad-platform audience, so the next upload sends only adds and removes. */
export const audienceMembers = pgTable(
  'audience_members',
  {
    shopId: shopRef(),
    audience: text('audience').notNull(),
    customerId: text('customer_id').notNull(),
    /** The uploaded identifiers (SHA-256 hashes), encrypted: needed again to remove the member. */
    identifiersEnc: text('identifiers_enc').notNull(),
    addedAt: ts('added_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.audience, t.customerId] })],
);

/** Web-push subscriptions of a customer's browsers; the endpoint and keys are encrypted. */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    shopId: shopRef(),
    customerId: text('customer_id').notNull(),
    endpointHash: text('endpoint_hash').notNull(),
    subscriptionEnc: text('subscription_enc').notNull(),
    failures: integer('failures').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.endpointHash] }), index('push_subscriptions_customer_idx').on(t.shopId, t.customerId)],
);
