import { z } from 'zod';
import { isIanaZone } from './timezone.ts';

// The canonical records every source is turned into. Adapters (Segment, Shopify, WooCommerce, bulk
// files) produce these; ingest/entry.ts is the one governed path that stores them.
// Money is in integer minor units with an ISO 4217 currency; instants are UTC ISO strings.

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
const minor = z.number().int('an integer number of minor units (cents)');
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp with a zone, e.g. 2026-05-01T10:00:00Z' });
/** Postgres text cannot hold NUL: refused here with the field's name (a NUL event id was a 500). */
const text = () => z.string().refine((v) => !v.includes('\u0000'), 'must not contain the NUL character (\\u0000)');
const id = text().min(1).max(200);

export const address = z.object({
  countryCode: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as DE').optional(),
  provinceCode: text().max(10).optional(),
});

export const customerRef = z
  .object({
    /** The source's id for a known customer (Shopify customer id, Segment userId...). */
    userId: id.optional(),
    /** The source's id for a visitor not yet identified (Segment anonymousId, cart token...). */
    anonymousId: id.optional(),
    email: z.email().max(320).optional(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. +4915112345678').optional(),
    timezone: z.string().max(64).refine(isIanaZone, 'an IANA time zone such as Europe/Berlin').optional(),
    locale: text().max(35).optional(),
    /** Used to infer the time zone when none is given. */
    address: address.optional(),
  })
  .refine((c) => c.userId !== undefined || c.anonymousId !== undefined, { message: 'userId or anonymousId is required' });
export type CustomerRef = z.infer<typeof customerRef>;

export const lineItem = z.object({
  productId: id,
  quantity: z.number().int().positive(),
  priceMinor: minor.nonnegative(),
});
export type LineItem = z.infer<typeof lineItem>;

export const consentChange = z.object({
  channel: z.enum(['email', 'sms', 'whatsapp', 'push']),
  granted: z.boolean(),
  /** When the customer gave or withdrew it, if the source knows; otherwise the event's time. */
  at: instant.optional(),
});

const base = {
  /** Unique per source: makes a resent event a duplicate instead of a second event. */
  eventId: id,
  occurredAt: instant,
  customer: customerRef,
};

/** An order as the source describes it; enough to create it when a later status event arrives first. */
const orderFields = {
  orderId: id,
  currency,
  totalMinor: minor.nonnegative(),
  discountMinor: minor.nonnegative().default(0),
  lines: z.array(lineItem).max(1000),
  cartId: id.optional(),
  /** What the customer paid in, when the source converts (Shopify presentment money). */
  presentmentCurrency: currency.optional(),
  presentmentTotalMinor: minor.nonnegative().optional(),
};
export const orderSnapshot = z.object({ ...orderFields, placedAt: instant });

export const productRecord = z.object({
  productId: id,
  title: text().min(1).max(500),
  category: text().max(200).optional(),
  priceMinor: minor.nonnegative(),
  currency,
  url: z.url().max(2000).optional(),
  imageUrl: z.url().max(2000).optional(),
  /** Stock per stock-keeping item (variant, inventory item); the product's stock is their sum. */
  items: z.array(z.object({ itemId: id, available: z.number().int().nullable() })).max(1000).default([]),
});

/** Dwell at or above this on a product, with no cart add, starts browse-abandon. */
export const BROWSE_DWELL_MS = 180_000;
const dwellMs = z.number().int().nonnegative().max(86_400_000, 'at most a day, in milliseconds');

export const canonicalEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cart_updated'), ...base, cartId: id, currency, items: z.array(lineItem).max(500) }),
  z.object({ type: z.literal('order_placed'), ...base, ...orderFields,
    /** Facts the source already knows at placement (a Shopify order created paid). */
    paidAt: instant.optional(), fulfilledAt: instant.optional(), cancelledAt: instant.optional() }),
  z.object({ type: z.literal('customer_updated'), ...base, consents: z.array(consentChange).max(10).default([]) }),
  z.object({ type: z.literal('product_viewed'), ...base, productId: id, dwellMs: dwellMs.optional(),
    priceMinor: minor.nonnegative().optional(), currency: currency.optional() }),
  /** A later report of how long the view `viewEventId` lasted. */
  z.object({ type: z.literal('product_dwell'), ...base, viewEventId: id, productId: id.optional(), dwellMs }),
  z.object({ type: z.literal('cart_item_added'), ...base, cartId: id, currency, item: lineItem }),
  z.object({ type: z.literal('cart_item_removed'), ...base, cartId: id, currency, item: lineItem }),
  z.object({ type: z.literal('order_status'), ...base, orderId: id, status: z.enum(['paid', 'fulfilled', 'cancelled']), order: orderSnapshot.optional() }),
  /** Refund notices often name only the order (Shopify refunds/create): the customer is then the order's. */
  z.object({ type: z.literal('order_refunded'), ...base, customer: customerRef.optional(), orderId: id, refundId: id, amountMinor: minor.positive(), currency }),
  z.object({ type: z.literal('product_updated'), eventId: id, occurredAt: instant, product: productRecord }),
  z.object({ type: z.literal('inventory_updated'), eventId: id, occurredAt: instant, itemId: id, productId: id.optional(), available: z.number().int() }),
]);
export type CanonicalEvent = z.infer<typeof canonicalEvent>;
export type CatalogEvent = Extract<CanonicalEvent, { type: 'product_updated' | 'inventory_updated' }>;
export type CustomerEvent = Exclude<CanonicalEvent, CatalogEvent>;
export type CanonicalEventInput = z.input<typeof canonicalEvent>;

export const isCatalogEvent = (e: CanonicalEvent): e is CatalogEvent => e.type === 'product_updated' || e.type === 'inventory_updated';
