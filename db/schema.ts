import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// One operational model for every shop. Every table carries shop_id: tenancy is explicit in each
// query. Activity data refers to customers only by their pseudonymous key (customers.id); e-mail and
// phone live in `contacts`, encrypted, and nowhere else.

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

export const shops = pgTable('shops', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  currency: text('currency').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  /** Quiet hours in the customer's local time, minutes after midnight; may wrap past midnight. */
  quietStartMinute: integer('quiet_start_minute').notNull().default(21 * 60),
  quietEndMinute: integer('quiet_end_minute').notNull().default(8 * 60),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  /** A product whose stock falls under this becomes a clearance candidate (products may override it). */
  lowStockThreshold: integer('low_stock_threshold').notNull().default(5),
  /** Raw events older than this are removed by the retention job (ingest/retention.ts). */
  eventRetentionDays: integer('event_retention_days').notNull().default(180),
  createdAt: createdAt(),
});

/** Per-shop secrets of the platforms that push to us (Shopify app secret, WooCommerce webhook secret). */
export const sourceSecrets = pgTable(
  'source_secrets',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    /** Encrypted with the PII key: a signing secret must be readable to verify, so it cannot be hashed. */
    secretEnc: text('secret_enc').notNull(),
    /** The platform's name for the shop (myshopify domain, WooCommerce site URL), informational. */
    externalId: text('external_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.source] })],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    /** SHA-256 of the secret; the secret itself is shown once and never stored. */
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    label: text('label'),
    createdAt: createdAt(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash)],
);

export const customers = pgTable(
  'customers',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    timezone: text('timezone'),
    locale: text('locale'),
    stage: text('stage').notNull().default('new'),
    stageChangedAt: ts('stage_changed_at'),
    anonymous: boolean('anonymous').notNull().default(false),
    /** Set when an anonymous visitor was merged into an identified customer. */
    mergedInto: text('merged_into'),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [index('customers_shop_idx').on(t.shopId)],
);

/** How each source names a customer (Shopify customer id, Segment userId / anonymousId, ...). */
export const customerIdentities = pgTable(
  'customer_identities',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    sourceId: text('source_id').notNull(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.source, t.sourceId] }), index('identities_customer_idx').on(t.customerId)],
);

export const contacts = pgTable('contacts', {
  customerId: text('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
  /** AES-256-GCM ciphertext (see lib/pii.ts); the *_hash columns are keyed HMACs for look-ups. */
  emailEnc: text('email_enc'),
  emailHash: text('email_hash'),
  phoneEnc: text('phone_enc'),
  phoneHash: text('phone_hash'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('contacts_email_idx').on(t.shopId, t.emailHash)]);

export const consents = pgTable(
  'consents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    granted: boolean('granted').notNull(),
    source: text('source').notNull(),
    recordedAt: ts('recorded_at').notNull().defaultNow(),
  },
  (t) => [index('consents_customer_idx').on(t.customerId, t.channel, t.recordedAt)],
);

export const products = pgTable(
  'products',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    title: text('title').notNull(),
    category: text('category'),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    stock: integer('stock'),
    /** Overrides the shop's low-stock threshold for this product. */
    lowStockThreshold: integer('low_stock_threshold'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    url: text('url'),
    imageUrl: text('image_url'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.id] })],
);

export interface CartItem {
  productId: string;
  quantity: number;
  priceMinor: number;
}

export const carts = pgTable(
  'carts',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    status: text('status').$type<'open' | 'ordered' | 'emptied'>().notNull().default('open'),
    items: jsonb('items').$type<CartItem[]>().notNull().default([]),
    valueMinor: integer('value_minor').notNull().default(0),
    currency: text('currency').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.id] }), index('carts_customer_idx').on(t.customerId)],
);

export type OrderStatus = 'placed' | 'paid' | 'fulfilled' | 'cancelled' | 'partially_refunded' | 'refunded';

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    sourceId: text('source_id').notNull(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    status: text('status').$type<OrderStatus>().notNull(),
    currency: text('currency').notNull(),
    totalMinor: integer('total_minor').notNull(),
    discountMinor: integer('discount_minor').notNull().default(0),
    refundedMinor: integer('refunded_minor').notNull().default(0),
    placedAt: ts('placed_at').notNull(),
    paidAt: ts('paid_at'),
    fulfilledAt: ts('fulfilled_at'),
    cancelledAt: ts('cancelled_at'),
    /** What the customer saw and paid in, when it differs from the shop currency (Shopify presentment money). */
    presentmentCurrency: text('presentment_currency'),
    presentmentTotalMinor: integer('presentment_total_minor'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Last-touch attribution: the dispatch credited with this order, if any. */
    attributedDispatchId: text('attributed_dispatch_id'),
  },
  (t) => [
    uniqueIndex('orders_source_idx').on(t.shopId, t.source, t.sourceId),
    index('orders_customer_idx').on(t.customerId, t.placedAt),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    priceMinor: integer('price_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] })],
);

export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /**
     * No foreign key: its per-row check (a FOR KEY SHARE of the shop's row) took about as long as the
     * insert itself on the busiest table. Only authenticated shops write events, and a deleted shop's
     * events go with it by the trigger `shops_delete_events` (migration 0010).
     */
    shopId: text('shop_id').notNull(),
    /** Null only for catalog events (product and stock updates), which concern no customer. */
    customerId: text('customer_id'),
    type: text('type').notNull(),
    productId: text('product_id'),
    source: text('source').notNull(),
    sourceEventId: text('source_event_id').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    /** Page dwell, when the source sends it (Product Viewed, or a later dwell update). */
    dwellMs: integer('dwell_ms'),
    props: jsonb('props').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    uniqueIndex('events_source_idx').on(t.shopId, t.source, t.sourceEventId),
    index('events_customer_idx').on(t.customerId, t.occurredAt),
    index('events_occurred_idx').on(t.shopId, t.occurredAt),
  ],
);

/**
 * Everything a source told us about an order's progress (paid, fulfilled, cancelled, each refund), kept
 * as facts keyed by their own id. The order's status is derived from the set, so an order that arrives
 * twice or out of order ends in the same state. Facts may arrive before the order itself.
 */
export const orderFacts = pgTable(
  'order_facts',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    sourceOrderId: text('source_order_id').notNull(),
    kind: text('kind').$type<'paid' | 'fulfilled' | 'cancelled' | 'refund'>().notNull(),
    /** The source's id of the fact (refund id); '' for the one-off facts. */
    factId: text('fact_id').notNull(),
    amountMinor: integer('amount_minor').notNull().default(0),
    currency: text('currency'),
    occurredAt: ts('occurred_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.source, t.sourceOrderId, t.kind, t.factId] })],
);

/** A source's stock-keeping items (Shopify inventory items, Woo variations) and the product each belongs to. */
export const inventoryItems = pgTable(
  'inventory_items',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    itemId: text('item_id').notNull(),
    productId: text('product_id'),
    available: integer('available'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.source, t.itemId] }), index('inventory_items_product_idx').on(t.shopId, t.productId)],
);

/** Progress of a bulk import file, so an interrupted import resumes where it stopped. */
export const importRuns = pgTable('import_runs', {
  id: text('id').primaryKey(),
  shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
  file: text('file').notNull(),
  kind: text('kind').notNull(),
  recordsDone: integer('records_done').notNull().default(0),
  accepted: integer('accepted').notNull().default(0),
  duplicate: integer('duplicate').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
  startedAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
});

export type JourneyStatus = 'running' | 'converted' | 'completed' | 'cancelled' | 'failed';

export const journeys = pgTable(
  'journeys',
  {
    workflowId: text('workflow_id').primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    journey: text('journey').notNull(),
    triggerKey: text('trigger_key').notNull(),
    status: text('status').$type<JourneyStatus>().notNull().default('running'),
    startedAt: ts('started_at').notNull().defaultNow(),
    endedAt: ts('ended_at'),
    outcome: text('outcome'),
  },
  (t) => [index('journeys_customer_idx').on(t.shopId, t.customerId, t.status)],
);

export const decisions = pgTable(
  'decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    step: integer('step').notNull(),
    /** Everything chosen and the probability of each random choice, for offline policy evaluation. */
    decision: jsonb('decision').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('decisions_step_idx').on(t.workflowId, t.step)],
);

export type DispatchStatus = 'reserved' | 'sent' | 'delivered' | 'failed';

export const dispatches = pgTable(
  'dispatches',
  {
    id: text('id').primaryKey(),
    /** Derived from (workflow, step, channel): the same step can never send twice. */
    idempotencyKey: text('idempotency_key').notNull(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    step: integer('step').notNull(),
    channel: text('channel').notNull(),
    contentType: text('content_type').notNull(),
    status: text('status').$type<DispatchStatus>().notNull(),
    provider: text('provider').notNull(),
    providerMessageId: text('provider_message_id'),
    discountTier: integer('discount_tier').notNull().default(0),
    variant: text('variant'),
    error: text('error'),
    createdAt: createdAt(),
    /** The first reservation's instant on the workflow's clock: the message's "priced at", the same on every retry. */
    composedAt: ts('composed_at'),
    /**
     * Until when one attempt holds the right to send this message. A second attempt running at the same
     * time (a retry after a start-to-close timeout while the first attempt still runs) waits for it.
     */
    claimedUntil: ts('claimed_until'),
    sentAt: ts('sent_at'),
  },
  (t) => [uniqueIndex('dispatches_key_idx').on(t.idempotencyKey), index('dispatches_customer_idx').on(t.customerId, t.sentAt)],
);

export const outcomes = pgTable(
  'outcomes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    step: integer('step').notNull(),
    dispatchId: text('dispatch_id'),
    /** converted · no_conversion · skipped · opened · clicked · delivered · unsubscribed · ... */
    kind: text('kind').notNull(),
    reason: text('reason'),
    orderId: text('order_id'),
    valueMinor: integer('value_minor'),
    occurredAt: ts('occurred_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('outcomes_once_idx').on(t.workflowId, t.step, t.kind), index('outcomes_shop_idx').on(t.shopId, t.occurredAt)],
);

/** Every payload we refused, with why, so an operator can fix and replay it. */
export const rejectedPayloads = pgTable(
  'rejected_payloads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    shopId: text('shop_id'),
    source: text('source').notNull(),
    endpoint: text('endpoint').notNull(),
    status: integer('status').notNull(),
    reason: jsonb('reason').$type<unknown>().notNull(),
    /** The raw body, PiiCipher-encrypted when bodyEncrypted (rows kept before that are plain until `npm run rejected -- encrypt`). */
    body: text('body').notNull(),
    bodyEncrypted: boolean('body_encrypted').notNull().default(false),
    /** Look-up hashes of the e-mail addresses and phone numbers in the body, so an erase finds the row without decrypting. */
    piiHashes: text('pii_hashes').array().notNull().default(sql`'{}'::text[]`),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    receivedAt: ts('received_at').notNull().defaultNow(),
    replayedAt: ts('replayed_at'),
  },
  (t) => [index('rejected_received_idx').on(t.receivedAt)],
);

