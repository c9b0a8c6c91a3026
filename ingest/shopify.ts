import { z } from 'zod';
import { mapped, money, zodFieldErrors, type AdapterOptions, type AdapterResult } from './adapter.ts';
import type { CanonicalEvent, CustomerRef } from './canonical.ts';
import { decimalToMinor } from './money.ts';

// Shopify's REST webhook payloads (Admin API 2024-10 shapes). Money comes as decimal strings in the
// shop currency, with `*_set` objects carrying shop and presentment money; marketing consent as
// `email_marketing_consent` / `sms_marketing_consent` objects. Event ids are derived from the
// resource and its own timestamps, so a redelivery is a duplicate whatever its delivery id.

export const SHOPIFY_TOPICS = ['orders/create', 'orders/paid', 'orders/cancelled', 'refunds/create', 'checkouts/create', 'checkouts/update',
  'customers/create', 'customers/update', 'products/update', 'inventory_levels/update'] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'a numeric id')]).transform(String);
const price = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal amount as a string, e.g. "19.99"');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp with an offset, e.g. 2026-05-01T10:00:00-04:00' });
const moneySet = z.object({
  shop_money: z.object({ amount: price, currency_code: currency }),
  presentment_money: z.object({ amount: price, currency_code: currency }),
});
const address = z.object({ country_code: z.string().nullish(), province_code: z.string().nullish() }).loose();
const consent = z.object({ state: z.string(), opt_in_level: z.string().nullish(), consent_updated_at: instant.nullish() }).loose();
const customer = z
  .object({
    id,
    email: z.string().nullish(),
    phone: z.string().nullish(),
    created_at: instant.nullish(),
    updated_at: instant.nullish(),
    email_marketing_consent: consent.nullish(),
    sms_marketing_consent: consent.nullish(),
    default_address: address.nullish(),
    locale: z.string().nullish(),
  })
  .loose();
const lineItem = z.object({ id, product_id: id.nullish(), variant_id: id.nullish(), quantity: z.number().int().positive(), price }).loose();
const order = z
  .object({
    id,
    email: z.string().nullish(),
    created_at: instant,
    processed_at: instant.nullish(),
    updated_at: instant.nullish(),
    cancelled_at: instant.nullish(),
    currency,
    presentment_currency: currency.nullish(),
    total_price: price,
    total_price_set: moneySet.nullish(),
    total_discounts: price.default('0.00'),
    financial_status: z.string().nullish(),
    fulfillment_status: z.string().nullish(),
    cart_token: z.string().nullish(),
    customer: customer.nullish(),
    customer_locale: z.string().nullish(),
    shipping_address: address.nullish(),
    billing_address: address.nullish(),
    line_items: z.array(lineItem).max(1000),
  })
  .loose();
const refund = z
  .object({
    id,
    order_id: id,
    created_at: instant,
    transactions: z.array(z.object({ kind: z.string(), status: z.string().nullish(), amount: price, currency })).default([]),
    refund_line_items: z.array(z.object({ quantity: z.number().int(), subtotal_set: moneySet.nullish() }).loose()).default([]),
  })
  .loose();
const checkout = z
  .object({
    token: z.string().min(1),
    cart_token: z.string().nullish(),
    email: z.string().nullish(),
    created_at: instant,
    updated_at: instant.nullish(),
    currency,
    customer: customer.nullish(),
    line_items: z.array(z.object({ product_id: id.nullish(), variant_id: id.nullish(), quantity: z.number().int().positive(), price }).loose()).max(500),
  })
  .loose();
const product = z
  .object({
    id,
    title: z.string().min(1),
    product_type: z.string().nullish(),
    handle: z.string().nullish(),
    updated_at: instant,
    image: z.object({ src: z.url() }).loose().nullish(),
    variants: z.array(z.object({ id, price, inventory_item_id: id.nullish(), inventory_quantity: z.number().int().nullish() }).loose()).min(1, 'a product has at least one variant'),
  })
  .loose();
const inventoryLevel = z.object({ inventory_item_id: id, location_id: id, available: z.number().int().nullable(), updated_at: instant }).loose();

const schemas = {
  'orders/create': order, 'orders/paid': order, 'orders/cancelled': order, 'refunds/create': refund,
  'checkouts/create': checkout, 'checkouts/update': checkout, 'customers/create': customer, 'customers/update': customer,
  'products/update': product, 'inventory_levels/update': inventoryLevel,
} satisfies Record<ShopifyTopic, z.ZodType>;

const iso = (s: string) => new Date(s).toISOString();
const e164 = (phone: string | null | undefined) => {
  const p = phone?.replace(/[\s()-]/g, '');
  return p && /^\+[1-9]\d{6,14}$/.test(p) ? p : undefined;
};
const isEmail = (e: string | null | undefined): e is string => Boolean(e && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e));

type Customer = z.infer<typeof customer>;
type Address = z.infer<typeof address>;

function customerRef(c: Customer | null | undefined, fallback: { anonymousId: string; email?: string | null | undefined; address?: Address | null | undefined; locale?: string | null | undefined }): CustomerRef {
  const email = isEmail(c?.email) ? c.email : isEmail(fallback.email) ? fallback.email : undefined;
  const addr = c?.default_address ?? fallback.address;
  const phone = e164(c?.phone);
  const locale = c?.locale ?? fallback.locale;
  return {
    ...(c ? { userId: c.id } : { anonymousId: fallback.anonymousId }),
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(locale ? { locale } : {}),
    ...(addr?.country_code ? { address: { countryCode: addr.country_code, ...(addr.province_code ? { provinceCode: addr.province_code } : {}) } } : {}),
  };
}

/** Shopify consent states: subscribed grants; unsubscribed and not_subscribed refuse; pending and invalid say nothing yet. */
function consentsOf(c: Customer) {
  const out: { channel: 'email' | 'sms'; granted: boolean; at?: string }[] = [];
  for (const [channel, value] of [['email', c.email_marketing_consent], ['sms', c.sms_marketing_consent]] as const) {
    if (!value || (value.state !== 'subscribed' && value.state !== 'unsubscribed' && value.state !== 'not_subscribed')) continue;
    out.push({ channel, granted: value.state === 'subscribed', ...(value.consent_updated_at ? { at: iso(value.consent_updated_at) } : {}) });
  }
  return out;
}

type Order = z.infer<typeof order>;

function orderFields(o: Order) {
  const lines = o.line_items.map((l, i) => ({
    productId: l.product_id ?? `custom-${l.variant_id ?? l.id}`,
    quantity: l.quantity,
    priceMinor: money(decimalToMinor, `line_items.${i}.price`, l.price, o.currency),
  }));
  const presentment = o.total_price_set?.presentment_money;
  return {
    orderId: o.id,
    currency: o.currency,
    totalMinor: money(decimalToMinor, 'total_price', o.total_price, o.currency),
    discountMinor: money(decimalToMinor, 'total_discounts', o.total_discounts, o.currency),
    lines,
    ...(o.cart_token ? { cartId: o.cart_token } : {}),
    ...(presentment && presentment.currency_code !== o.currency
      ? { presentmentCurrency: presentment.currency_code, presentmentTotalMinor: money(decimalToMinor, 'total_price_set.presentment_money.amount', presentment.amount, presentment.currency_code) }
      : {}),
  };
}

const orderCustomer = (o: Order) => customerRef(o.customer, { anonymousId: `order-${o.id}`, email: o.email, address: o.shipping_address ?? o.billing_address, locale: o.customer_locale });
const PAID = new Set(['paid', 'partially_refunded', 'refunded']);

/** One Shopify webhook (topic + parsed JSON body) to canonical events. */
export function shopifyToCanonical(topic: string, body: unknown, options: AdapterOptions): AdapterResult {
  if (!(SHOPIFY_TOPICS as readonly string[]).includes(topic)) {
    return { ok: false, errors: [{ field: 'X-Shopify-Topic', message: `"${topic}" is not a topic we subscribe to (${SHOPIFY_TOPICS.join(', ')})` }] };
  }
  const t = topic as ShopifyTopic;
  const parsed = schemas[t].safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
  return mapped((): CanonicalEvent[] => {
    switch (t) {
      case 'orders/create': {
        const o = parsed.data as Order;
        const placedAt = iso(o.created_at);
        const out: CanonicalEvent[] = [];
        const ref = orderCustomer(o);
        if (o.customer && consentsOf(o.customer).length) {
          out.push({ type: 'customer_updated', eventId: `${t}:${o.id}:customer`, occurredAt: placedAt, customer: ref, consents: consentsOf(o.customer) });
        }
        out.push({
          type: 'order_placed', eventId: `${t}:${o.id}`, occurredAt: placedAt, customer: ref, ...orderFields(o),
          ...(o.financial_status && PAID.has(o.financial_status) ? { paidAt: iso(o.processed_at ?? o.created_at) } : {}),
          ...(o.fulfillment_status === 'fulfilled' ? { fulfilledAt: iso(o.updated_at ?? o.created_at) } : {}),
          ...(o.cancelled_at ? { cancelledAt: iso(o.cancelled_at) } : {}),
        });
        return out;
      }
      case 'orders/paid':
      case 'orders/cancelled': {
        const o = parsed.data as Order;
        const status = t === 'orders/paid' ? ('paid' as const) : ('cancelled' as const);
        const at = iso((status === 'cancelled' ? o.cancelled_at : o.processed_at) ?? o.updated_at ?? o.created_at);
        return [{ type: 'order_status', eventId: `${t}:${o.id}`, occurredAt: at, customer: orderCustomer(o), orderId: o.id, status,
          order: { ...orderFields(o), placedAt: iso(o.created_at) } }];
      }
      case 'refunds/create': {
        const r = parsed.data as z.infer<typeof refund>;
        const refunds = r.transactions.filter((x) => x.kind === 'refund' && (x.status ?? 'success') === 'success');
        let amountMinor: number;
        let cur: string;
        if (refunds.length) {
          cur = refunds[0]!.currency;
          amountMinor = refunds.reduce((sum, x, i) => sum + money(decimalToMinor, `transactions.${i}.amount`, x.amount, x.currency), 0);
        } else {
          const sets = r.refund_line_items.flatMap((l) => (l.subtotal_set ? [l.subtotal_set.shop_money] : []));
          if (!sets.length) return [];
          cur = sets[0]!.currency_code;
          amountMinor = sets.reduce((sum, m, i) => sum + money(decimalToMinor, `refund_line_items.${i}.subtotal_set.shop_money.amount`, m.amount, m.currency_code), 0);
        }
        if (amountMinor <= 0) return [];
        return [{ type: 'order_refunded', eventId: `${t}:${r.id}`, occurredAt: iso(r.created_at), orderId: r.order_id, refundId: r.id, amountMinor, currency: cur }];
      }
      case 'checkouts/create':
      case 'checkouts/update': {
        const c = parsed.data as z.infer<typeof checkout>;
        const updated = iso(c.updated_at ?? c.created_at);
        return [{
          type: 'cart_updated', eventId: `${t}:${c.token}:${updated}`, occurredAt: updated,
          customer: customerRef(c.customer, { anonymousId: `checkout-${c.token}`, email: c.email }),
          cartId: c.cart_token ?? c.token, currency: c.currency,
          items: c.line_items.map((l, i) => ({ productId: l.product_id ?? `custom-${l.variant_id ?? i}`, quantity: l.quantity,
            priceMinor: money(decimalToMinor, `line_items.${i}.price`, l.price, c.currency) })),
        }];
      }
      case 'customers/create':
      case 'customers/update': {
        const c = parsed.data as Customer;
        const at = iso(c.updated_at ?? c.created_at ?? new Date().toISOString());
        return [{ type: 'customer_updated', eventId: `${t}:${c.id}:${at}`, occurredAt: at, customer: customerRef(c, { anonymousId: '' }), consents: consentsOf(c) }];
      }
      case 'products/update': {
        const p = parsed.data as z.infer<typeof product>;
        const prices = p.variants.map((v, i) => money(decimalToMinor, `variants.${i}.price`, v.price, options.shopCurrency));
        return [{
          type: 'product_updated', eventId: `${t}:${p.id}:${iso(p.updated_at)}`, occurredAt: iso(p.updated_at),
          product: {
            productId: p.id, title: p.title, priceMinor: Math.min(...prices), currency: options.shopCurrency,
            ...(p.product_type ? { category: p.product_type } : {}), ...(p.image?.src ? { imageUrl: p.image.src } : {}),
            items: p.variants.flatMap((v) => (v.inventory_item_id ? [{ itemId: v.inventory_item_id, available: v.inventory_quantity ?? null }] : [])),
          },
        }];
      }
      case 'inventory_levels/update': {
        const l = parsed.data as z.infer<typeof inventoryLevel>;
        // An untracked item has no level: nothing to record.
        if (l.available === null) return [];
        const at = iso(l.updated_at);
        return [{ type: 'inventory_updated', eventId: `${t}:${l.inventory_item_id}:${l.location_id}:${at}`, occurredAt: at, itemId: l.inventory_item_id, available: l.available }];
      }
    }
  });
}
