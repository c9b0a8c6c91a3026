import { z } from 'zod';
import { mapped, money, zodFieldErrors, type AdapterOptions, type AdapterResult } from './adapter.ts';
import type { CanonicalEvent, CustomerRef } from './canonical.ts';
import { decimalToMinor } from './money.ts';

// WooCommerce REST API v3 webhook payloads. Times come twice; we read the *_gmt ones, which carry no
// zone and are UTC. Money is a decimal string in the order's currency; refunds appear on the order as
// negative totals. A guest order has customer_id 0 and is tied to the person by billing e-mail.

export const WOO_TOPICS = ['order.created', 'order.updated', 'customer.created', 'product.updated'] as const;

const id = z.number().int().nonnegative().transform(String);
const price = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal amount as a string, e.g. "19.99"');
const gmt = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'a *_gmt timestamp such as 2026-05-01T10:00:00');
const billing = z.object({ email: z.string().nullish(), phone: z.string().nullish(), country: z.string().nullish(), state: z.string().nullish() }).loose();

const order = z
  .object({
    id,
    status: z.enum(['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft', 'trash']),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
    date_created_gmt: gmt,
    date_modified_gmt: gmt,
    date_paid_gmt: gmt.nullish(),
    date_completed_gmt: gmt.nullish(),
    total: price,
    discount_total: price.default('0'),
    customer_id: z.number().int().nonnegative(),
    cart_hash: z.string().nullish(),
    billing: billing.default({}),
    line_items: z.array(z.object({ id, product_id: id, variation_id: z.number().int().nullish(), quantity: z.number().int().positive(),
      price: z.union([z.number(), price]) }).loose()).max(1000),
    refunds: z.array(z.object({ id, total: price }).loose()).default([]),
  })
  .loose();
const customer = z.object({ id, email: z.string().nullish(), date_created_gmt: gmt, date_modified_gmt: gmt.nullish(), billing: billing.default({}) }).loose();
const product = z
  .object({
    id,
    name: z.string().min(1),
    price: price.or(z.literal('').transform(() => undefined)),
    regular_price: z.string().nullish(),
    permalink: z.url().nullish(),
    date_modified_gmt: gmt,
    manage_stock: z.boolean().default(false),
    stock_quantity: z.number().int().nullish(),
    categories: z.array(z.object({ name: z.string() }).loose()).default([]),
    images: z.array(z.object({ src: z.url() }).loose()).default([]),
  })
  .loose()
  .refine((p) => p.price !== undefined || (p.regular_price ?? '') !== '', { message: 'a price is required (price or regular_price)', path: ['price'] });

const utc = (s: string) => `${s}.000Z`;
const isEmail = (e: string | null | undefined): e is string => Boolean(e && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e));

function ref(customerId: string | null, fallbackAnon: string, b: z.infer<typeof billing>): CustomerRef {
  const phone = b.phone?.replace(/[\s()-]/g, '');
  return {
    ...(customerId ? { userId: customerId } : { anonymousId: fallbackAnon }),
    ...(isEmail(b.email) ? { email: b.email } : {}),
    ...(phone && /^\+[1-9]\d{6,14}$/.test(phone) ? { phone } : {}),
    ...(b.country ? { address: { countryCode: b.country, ...(b.state ? { provinceCode: b.state } : {}) } } : {}),
  };
}

/** One WooCommerce webhook (topic + parsed body) to canonical events. */
export function wooToCanonical(topic: string, body: unknown, options: AdapterOptions): AdapterResult {
  if (!(WOO_TOPICS as readonly string[]).includes(topic)) {
    return { ok: false, errors: [{ field: 'X-WC-Webhook-Topic', message: `"${topic}" is not a topic we subscribe to (${WOO_TOPICS.join(', ')})` }] };
  }
  if (topic === 'order.created' || topic === 'order.updated') {
    const parsed = order.safeParse(body);
    if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
    const o = parsed.data;
    if (o.status === 'checkout-draft' || o.status === 'trash') return { ok: true, events: [], ignored: `a ${o.status} order is not an order yet` };
    return mapped((): CanonicalEvent[] => {
      const customer = ref(o.customer_id > 0 ? String(o.customer_id) : null, `order-${o.id}`, o.billing);
      const totalMinor = money(decimalToMinor, 'total', o.total, o.currency);
      // The order's current state, as one idempotent description: the first one creates the order,
      // later ones add what became true (paid, completed, cancelled) and each refund.
      const events: CanonicalEvent[] = [{
        type: 'order_placed', eventId: `${topic}:${o.id}:${o.date_modified_gmt}`, occurredAt: utc(o.date_created_gmt), customer,
        orderId: o.id, currency: o.currency, totalMinor, discountMinor: money(decimalToMinor, 'discount_total', o.discount_total, o.currency),
        lines: o.line_items.map((l, i) => ({ productId: l.product_id, quantity: l.quantity, priceMinor: money(decimalToMinor, `line_items.${i}.price`, l.price, o.currency) })),
        ...(o.date_paid_gmt ? { paidAt: utc(o.date_paid_gmt) } : {}),
        ...(o.status === 'completed' ? { fulfilledAt: utc(o.date_completed_gmt ?? o.date_modified_gmt) } : {}),
        ...(o.status === 'cancelled' || o.status === 'failed' ? { cancelledAt: utc(o.date_modified_gmt) } : {}),
      }];
      for (const [i, r] of o.refunds.entries()) {
        const amountMinor = Math.abs(money(decimalToMinor, `refunds.${i}.total`, r.total, o.currency));
        if (amountMinor > 0) {
          events.push({ type: 'order_refunded', eventId: `refund:${r.id}`, occurredAt: utc(o.date_modified_gmt), customer, orderId: o.id, refundId: r.id, amountMinor, currency: o.currency });
        }
      }
      if (o.status === 'refunded' && o.refunds.length === 0 && totalMinor > 0) {
        events.push({ type: 'order_refunded', eventId: `refund:${o.id}:full`, occurredAt: utc(o.date_modified_gmt), customer, orderId: o.id, refundId: 'full', amountMinor: totalMinor, currency: o.currency });
      }
      return events;
    });
  }
  if (topic === 'customer.created') {
    const parsed = customer.safeParse(body);
    if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
    const c = parsed.data;
    return mapped(() => [{ type: 'customer_updated', eventId: `${topic}:${c.id}`, occurredAt: utc(c.date_created_gmt),
      customer: ref(c.id, '', { ...c.billing, email: c.email ?? c.billing.email }), consents: [] }]);
  }
  const parsed = product.safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
  const p = parsed.data;
  return mapped(() => [{
    type: 'product_updated', eventId: `${topic}:${p.id}:${p.date_modified_gmt}`, occurredAt: utc(p.date_modified_gmt),
    product: {
      productId: p.id, title: p.name, currency: options.shopCurrency,
      priceMinor: money(decimalToMinor, 'price', (p.price ?? p.regular_price)!, options.shopCurrency),
      ...(p.categories[0] ? { category: p.categories[0].name } : {}), ...(p.permalink ? { url: p.permalink } : {}),
      ...(p.images[0] ? { imageUrl: p.images[0].src } : {}),
      items: p.manage_stock ? [{ itemId: `product-${p.id}`, available: p.stock_quantity ?? null }] : [],
    },
  }]);
}
