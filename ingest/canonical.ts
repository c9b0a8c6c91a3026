import { z } from 'zod';

// The canonical records every source is turned into. Adapters (Segment, Shopify, WooCommerce, bulk
// files) produce these; ingest/entry.ts is the one governed path that stores them.
// Money is in integer minor units with an ISO 4217 currency; instants are UTC ISO strings.

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
const minor = z.number().int('an integer number of minor units (cents)');
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp with a zone, e.g. 2026-05-01T10:00:00Z' });
const id = z.string().min(1).max(200);

export const customerRef = z
  .object({
    /** The source's id for a known customer (Shopify customer id, Segment userId...). */
    userId: id.optional(),
    /** The source's id for a visitor not yet identified (Segment anonymousId, cart token...). */
    anonymousId: id.optional(),
    email: z.email().max(320).optional(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. +4915112345678').optional(),
    timezone: z.string().max(64).optional(),
    locale: z.string().max(35).optional(),
  })
  .refine((c) => c.userId !== undefined || c.anonymousId !== undefined, { message: 'userId or anonymousId is required' });
export type CustomerRef = z.infer<typeof customerRef>;

export const lineItem = z.object({
  productId: id,
  quantity: z.number().int().positive(),
  priceMinor: minor.nonnegative(),
});

export const consentChange = z.object({
  channel: z.enum(['email', 'sms', 'whatsapp', 'push']),
  granted: z.boolean(),
});

const base = {
  /** Unique per source: makes a resent event a duplicate instead of a second event. */
  eventId: id,
  occurredAt: instant,
  customer: customerRef,
};

export const canonicalEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cart_updated'), ...base, cartId: id, currency, items: z.array(lineItem).max(500) }),
  z.object({
    type: z.literal('order_placed'),
    ...base,
    orderId: id,
    currency,
    totalMinor: minor.nonnegative(),
    discountMinor: minor.nonnegative().default(0),
    lines: z.array(lineItem).max(1000),
    cartId: id.optional(),
  }),
  z.object({ type: z.literal('customer_updated'), ...base, consents: z.array(consentChange).max(10).default([]) }),
]);
export type CanonicalEvent = z.infer<typeof canonicalEvent>;
