import { z } from 'zod';
import { mapped, money, zodFieldErrors, type AdapterOptions, type AdapterResult, type FieldError } from './adapter.ts';
import type { CanonicalEvent, CustomerRef } from './canonical.ts';
import { decimalToMinor } from './money.ts';
import { fastProductViewed } from './segment-fast.ts';

// Segment's e-commerce spec (v2) over its HTTP tracking API: track, identify and batch. Prices are
// numbers in major units; product ids are strings or numbers. "Product Dwell" is our extension: a later
// report of how long the view with `properties.view_id` (the view's messageId) lasted.

const idLike = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);
const amount = z.union([z.number().finite().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount')]);
const currency = z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as EUR').transform((c) => c.toUpperCase());
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp with a zone' });

const address = z.object({ country: z.string().optional(), state: z.string().optional() });
const traits = z
  .object({
    email: z.email('an e-mail address').optional(),
    phone: z.string().optional(),
    address: address.optional(),
    email_opt_in: z.boolean().optional(),
    sms_opt_in: z.boolean().optional(),
  });

const common = {
  messageId: z.string().min(1, 'required: the id that makes a retry a duplicate').max(200),
  timestamp: instant.optional(),
  sentAt: instant.optional(),
  userId: idLike.optional().nullable(),
  anonymousId: idLike.optional().nullable(),
  context: z.object({ timezone: z.string().optional(), locale: z.string().optional(), traits: traits.optional() }).optional(),
};

const product = z.object({ product_id: idLike, price: amount.default(0), quantity: z.number().int().positive().default(1) });

const trackMessage = z.object({ type: z.literal('track').optional(), event: z.string().min(1).max(200), properties: z.unknown().optional(), ...common });
const identifyMessage = z.object({ type: z.literal('identify').optional(), traits: traits.default({}), ...common });

const cartItem = z.object({ cart_id: idLike.optional(), product_id: idLike, price: amount, quantity: z.number().int().positive().default(1), currency: currency.optional() });
const props = {
  'Product Viewed': z.object({ product_id: idLike, price: amount.optional(), currency: currency.optional(),
    dwell_ms: z.number().int().nonnegative().optional(), dwell_seconds: z.number().nonnegative().optional() }),
  'Product Dwell': z.object({ view_id: z.string().min(1), product_id: idLike.optional(),
    dwell_ms: z.number().int().nonnegative().optional(), dwell_seconds: z.number().nonnegative().optional() })
    .refine((p) => p.dwell_ms !== undefined || p.dwell_seconds !== undefined, { message: 'dwell_ms or dwell_seconds is required', path: ['dwell_ms'] }),
  'Product Added': cartItem,
  'Product Removed': cartItem,
  'Cart Viewed': z.object({ cart_id: idLike.optional(), products: z.array(product).max(500), currency: currency.optional() }),
  'Checkout Started': z.object({ cart_id: idLike.optional(), checkout_id: idLike.optional(), products: z.array(product).max(500), currency: currency.optional() }),
  'Order Completed': z.object({ order_id: idLike, checkout_id: idLike.optional(), cart_id: idLike.optional(), total: amount.optional(), revenue: amount.optional(),
    discount: amount.optional(), currency: currency.optional(), products: z.array(product).max(1000).default([]) })
    .refine((p) => p.total !== undefined || p.revenue !== undefined, { message: 'total (or revenue) is required', path: ['total'] }),
  'Order Refunded': z.object({ order_id: idLike, total: amount.optional(), currency: currency.optional(), products: z.array(product).max(1000).optional() })
    .refine((p) => p.total !== undefined || (p.products?.length ?? 0) > 0, { message: 'total, or the refunded products, is required', path: ['total'] }),
};
type KnownEvent = keyof typeof props;

type Common = { messageId: string; timestamp?: string | undefined; sentAt?: string | undefined; userId?: string | null | undefined; anonymousId?: string | null | undefined;
  context?: { timezone?: string | undefined; locale?: string | undefined; traits?: z.infer<typeof traits> | undefined } | undefined };

function customerOf(m: Common, t: z.infer<typeof traits> | undefined): CustomerRef {
  const phone = t?.phone?.replace(/[\s()-]/g, '');
  return {
    ...(m.userId ? { userId: m.userId } : {}),
    ...(m.anonymousId ? { anonymousId: m.anonymousId } : {}),
    ...(t?.email ? { email: t.email } : {}),
    ...(phone && /^\+[1-9]\d{6,14}$/.test(phone) ? { phone } : {}),
    ...(m.context?.timezone ? { timezone: m.context.timezone } : {}),
    ...(m.context?.locale ? { locale: m.context.locale } : {}),
    ...(t?.address?.country ? { address: { countryCode: t.address.country, ...(t.address.state ? { provinceCode: t.address.state } : {}) } } : {}),
  };
}

const occurredAt = (m: Common, now: Date) => new Date(m.timestamp ?? m.sentAt ?? now).toISOString();
const dwellOf = (p: { dwell_ms?: number | undefined; dwell_seconds?: number | undefined }) =>
  p.dwell_ms ?? (p.dwell_seconds === undefined ? undefined : Math.round(p.dwell_seconds * 1000));
const defaultCart = (c: CustomerRef) => `default-${c.anonymousId ?? c.userId}`;

/** One Segment message (track or identify) to canonical events: the common plain view without zod, the rest with it. */
export function segmentToCanonical(kind: 'track' | 'identify', body: unknown, options: AdapterOptions, now = new Date()): AdapterResult {
  const fast = kind === 'track' ? fastProductViewed(body, options.shopCurrency) : null;
  return fast ? { ok: true, events: [fast] } : segmentToCanonicalChecked(kind, body, options, now);
}

/** One Segment message through its zod schemas and the canonical check: the reference for every message. */
export function segmentToCanonicalChecked(kind: 'track' | 'identify', body: unknown, options: AdapterOptions, now = new Date()): AdapterResult {
  if (kind === 'identify') {
    const parsed = identifyMessage.safeParse(body);
    if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
    const m = parsed.data;
    const idErr = requireId(m);
    if (idErr) return idErr;
    return mapped(() => {
      const consents = [
        ...(m.traits.email_opt_in === undefined ? [] : [{ channel: 'email' as const, granted: m.traits.email_opt_in }]),
        ...(m.traits.sms_opt_in === undefined ? [] : [{ channel: 'sms' as const, granted: m.traits.sms_opt_in }]),
      ];
      return [{ type: 'customer_updated', eventId: m.messageId, occurredAt: occurredAt(m, now), customer: customerOf(m, { ...m.context?.traits, ...m.traits }), consents }];
    });
  }
  const parsed = trackMessage.safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
  const m = parsed.data;
  const idErr = requireId(m);
  if (idErr) return idErr;
  // Own keys only: an event named "constructor" or "__proto__" must not reach Object.prototype.
  if (!Object.hasOwn(props, m.event)) return { ok: true, events: [], ignored: `"${m.event}" is not an e-commerce event we act on` };
  const name = m.event as KnownEvent;
  const p = props[name].safeParse(m.properties ?? {});
  if (!p.success) return { ok: false, errors: zodFieldErrors(p.error, 'properties') };
  const customer = customerOf(m, m.context?.traits);
  const base = { eventId: m.messageId, occurredAt: occurredAt(m, now), customer };
  const cur = (c: string | undefined) => c ?? options.shopCurrency;
  const lines = (products: z.infer<typeof product>[], c: string) =>
    products.map((x, i) => ({ productId: x.product_id, quantity: x.quantity, priceMinor: money(decimalToMinor, `properties.products.${i}.price`, x.price, c) }));
  return mapped((): CanonicalEvent[] => {
    switch (name) {
      case 'Product Viewed': {
        const v = p.data as z.infer<(typeof props)['Product Viewed']>;
        const c = cur(v.currency);
        const dwellMs = dwellOf(v);
        return [{ type: 'product_viewed', ...base, productId: v.product_id, ...(dwellMs === undefined ? {} : { dwellMs }),
          ...(v.price === undefined ? {} : { priceMinor: money(decimalToMinor, 'properties.price', v.price, c), currency: c }) }];
      }
      case 'Product Dwell': {
        const v = p.data as z.infer<(typeof props)['Product Dwell']>;
        return [{ type: 'product_dwell', ...base, viewEventId: v.view_id, dwellMs: dwellOf(v)!, ...(v.product_id ? { productId: v.product_id } : {}) }];
      }
      case 'Product Added':
      case 'Product Removed': {
        const v = p.data as z.infer<(typeof props)['Product Added']>;
        const c = cur(v.currency);
        const item = { productId: v.product_id, quantity: v.quantity, priceMinor: money(decimalToMinor, 'properties.price', v.price, c) };
        return [{ type: name === 'Product Added' ? 'cart_item_added' : 'cart_item_removed', ...base, cartId: v.cart_id ?? defaultCart(customer), currency: c, item }];
      }
      case 'Cart Viewed':
      case 'Checkout Started': {
        const v = p.data as z.infer<(typeof props)['Checkout Started']>;
        const c = cur(v.currency);
        return [{ type: 'cart_updated', ...base, cartId: v.cart_id ?? v.checkout_id ?? defaultCart(customer), currency: c, items: lines(v.products, c) }];
      }
      case 'Order Completed': {
        // "Completed" in the spec is after payment: the order is placed and paid at once.
        const v = p.data as z.infer<(typeof props)['Order Completed']>;
        const c = cur(v.currency);
        return [{ type: 'order_placed', ...base, orderId: v.order_id, currency: c,
          totalMinor: money(decimalToMinor, 'properties.total', (v.total ?? v.revenue)!, c),
          discountMinor: v.discount === undefined ? 0 : money(decimalToMinor, 'properties.discount', v.discount, c),
          lines: lines(v.products, c), ...(v.cart_id ?? v.checkout_id ? { cartId: (v.cart_id ?? v.checkout_id)! } : {}), paidAt: base.occurredAt }];
      }
      case 'Order Refunded': {
        const v = p.data as z.infer<(typeof props)['Order Refunded']>;
        const c = cur(v.currency);
        const amountMinor = v.total !== undefined ? money(decimalToMinor, 'properties.total', v.total, c) : lines(v.products ?? [], c).reduce((s, l) => s + l.priceMinor * l.quantity, 0);
        return [{ type: 'order_refunded', ...base, orderId: v.order_id, refundId: m.messageId, amountMinor, currency: c }];
      }
    }
  });
}

function requireId(m: Common): AdapterResult | null {
  if (m.userId || m.anonymousId) return null;
  return { ok: false, errors: [{ field: 'userId', message: 'userId or anonymousId is required' }] };
}

const batchBody = z.object({ batch: z.array(z.unknown()).min(1, 'at least one message').max(2500), context: z.record(z.string(), z.unknown()).optional() });

export interface BatchItem {
  index: number;
  result: AdapterResult;
}

/** A Segment batch: each message mapped on its own, so one bad message does not refuse the rest. */
export function segmentBatchToCanonical(body: unknown, options: AdapterOptions, now = new Date()): { ok: true; items: BatchItem[] } | { ok: false; errors: FieldError[] } {
  const parsed = batchBody.safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
  const shared = parsed.data.context;
  return {
    ok: true,
    items: parsed.data.batch.map((message, index) => {
      const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
      const type = m.type;
      if (type !== 'track' && type !== 'identify') {
        return { index, result: type === 'page' || type === 'screen' || type === 'group' || type === 'alias'
          ? { ok: true as const, events: [], ignored: `${String(type)} messages are not used` }
          : { ok: false as const, errors: [{ field: `batch.${index}.type`, message: 'must be "track" or "identify" (or page, screen, group, alias, which are ignored)' }] } };
      }
      const withContext = shared && !m.context ? { ...m, context: shared } : m;
      const result = segmentToCanonical(type, withContext, options, now);
      return { index, result: result.ok ? result : { ok: false as const, errors: result.errors.map((e) => ({ ...e, field: `batch.${index}.${e.field}` })) } };
    }),
  };
}
