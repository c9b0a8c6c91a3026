import { drainQueue } from './queue-processor.ts';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.ts';
import type { ApiContext } from '../api/context.ts';
import type { Database } from '../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';

// Realistic platform payloads for tests and the benchmark, shaped like the platforms' published
// webhook examples (extra fields included: adapters must ignore what they do not use).

export interface OrderSpec {
  id: number;
  customerId: number;
  email: string;
  createdAt: string;
  currency?: string;
  presentmentCurrency?: string;
  /** Unit prices as decimal strings. */
  lines: { productId: number; variantId: number; quantity: number; price: string }[];
  discount?: string;
  financialStatus?: 'pending' | 'paid' | 'partially_refunded' | 'refunded';
  cancelledAt?: string | null;
  cartToken?: string;
  emailConsent?: 'subscribed' | 'unsubscribed' | 'not_subscribed' | 'pending';
  country?: string;
  province?: string;
}

const fixed2 = (minor: number) => (minor / 100).toFixed(2);
const toMinor = (s: string) => Math.round(Number(s) * 100);

export function shopifyOrder(o: OrderSpec): Record<string, unknown> {
  const currency = o.currency ?? 'EUR';
  const presentment = o.presentmentCurrency ?? currency;
  const subtotal = o.lines.reduce((s, l) => s + toMinor(l.price) * l.quantity, 0);
  const total = fixed2(subtotal - toMinor(o.discount ?? '0.00'));
  const rate = presentment === currency ? 1 : 1.1;
  const set = (amount: string) => ({ shop_money: { amount, currency_code: currency }, presentment_money: { amount: (Number(amount) * rate).toFixed(2), currency_code: presentment } });
  const address = { first_name: 'Ada', last_name: 'Lovelace', address1: 'Hauptstr. 1', city: 'Berlin', zip: '10115', country: 'Germany',
    country_code: o.country ?? 'DE', province: null, province_code: o.province ?? null, phone: null };
  return {
    id: o.id,
    admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
    app_id: 580111,
    browser_ip: '203.0.113.7',
    buyer_accepts_marketing: o.emailConsent === 'subscribed',
    cancel_reason: o.cancelledAt ? 'customer' : null,
    cancelled_at: o.cancelledAt ?? null,
    cart_token: o.cartToken ?? null,
    checkout_token: `ck${o.id}`,
    confirmed: true,
    contact_email: o.email,
    created_at: o.createdAt,
    currency,
    current_total_price: total,
    customer_locale: 'de-DE',
    email: o.email,
    financial_status: o.financialStatus ?? 'paid',
    fulfillment_status: null,
    name: `#${1000 + (o.id % 1000)}`,
    number: o.id % 1000,
    order_number: 1000 + (o.id % 1000),
    presentment_currency: presentment,
    processed_at: o.createdAt,
    source_name: 'web',
    subtotal_price: fixed2(subtotal),
    subtotal_price_set: set(fixed2(subtotal)),
    tags: '',
    taxes_included: true,
    test: false,
    total_discounts: o.discount ?? '0.00',
    total_discounts_set: set(o.discount ?? '0.00'),
    total_price: total,
    total_price_set: set(total),
    total_tax: '0.00',
    updated_at: o.createdAt,
    billing_address: address,
    shipping_address: address,
    customer: {
      id: o.customerId,
      email: o.email,
      created_at: o.createdAt,
      updated_at: o.createdAt,
      first_name: 'Ada',
      last_name: 'Lovelace',
      state: 'enabled',
      verified_email: true,
      phone: null,
      currency,
      email_marketing_consent: o.emailConsent ? { state: o.emailConsent, opt_in_level: 'single_opt_in', consent_updated_at: o.createdAt } : null,
      sms_marketing_consent: null,
      admin_graphql_api_id: `gid://shopify/Customer/${o.customerId}`,
      default_address: { id: 1, customer_id: o.customerId, ...address, default: true },
    },
    discount_codes: o.discount ? [{ code: 'WELCOME', amount: o.discount, type: 'fixed_amount' }] : [],
    line_items: o.lines.map((l, i) => ({
      id: o.id * 10 + i,
      admin_graphql_api_id: `gid://shopify/LineItem/${o.id * 10 + i}`,
      fulfillable_quantity: l.quantity,
      fulfillment_status: null,
      gift_card: false,
      grams: 250,
      name: `Product ${l.productId}`,
      price: l.price,
      price_set: set(l.price),
      product_exists: true,
      product_id: l.productId,
      quantity: l.quantity,
      requires_shipping: true,
      sku: `SKU-${l.variantId}`,
      taxable: true,
      title: `Product ${l.productId}`,
      total_discount: '0.00',
      variant_id: l.variantId,
      variant_title: 'Default',
      vendor: 'nextbest test',
      tax_lines: [],
      discount_allocations: [],
    })),
    refunds: [],
    shipping_lines: [],
  };
}

export function shopifyRefund(o: { id: number; orderId: number; createdAt: string; amount: string; currency?: string }): Record<string, unknown> {
  return {
    id: o.id,
    order_id: o.orderId,
    created_at: o.createdAt,
    note: 'damaged',
    restock: true,
    user_id: 1,
    processed_at: o.createdAt,
    admin_graphql_api_id: `gid://shopify/Refund/${o.id}`,
    refund_line_items: [],
    transactions: [{ id: o.id * 7, order_id: o.orderId, kind: 'refund', gateway: 'shopify_payments', status: 'success', amount: o.amount,
      currency: o.currency ?? 'EUR', created_at: o.createdAt, test: false }],
    order_adjustments: [],
  };
}

export function shopifyProduct(p: { id: number; title: string; updatedAt: string; variants: { id: number; price: string; inventoryItemId: number; quantity: number }[] }) {
  return {
    id: p.id,
    title: p.title,
    body_html: '<p>A thing</p>',
    vendor: 'nextbest test',
    product_type: 'Kitchen',
    handle: p.title.toLowerCase().replace(/\s+/g, '-'),
    created_at: p.updatedAt,
    updated_at: p.updatedAt,
    published_at: p.updatedAt,
    status: 'active',
    tags: '',
    admin_graphql_api_id: `gid://shopify/Product/${p.id}`,
    variants: p.variants.map((v, i) => ({
      id: v.id, product_id: p.id, title: 'Default', price: v.price, sku: `SKU-${v.id}`, position: i + 1, inventory_policy: 'deny',
      compare_at_price: null, inventory_item_id: v.inventoryItemId, inventory_quantity: v.quantity, old_inventory_quantity: v.quantity,
      created_at: p.updatedAt, updated_at: p.updatedAt, admin_graphql_api_id: `gid://shopify/ProductVariant/${v.id}`,
    })),
    options: [{ name: 'Title', values: ['Default'] }],
    images: [{ id: 1, src: `https://cdn.shopify.com/s/files/1/${p.id}.jpg` }],
    image: { id: 1, src: `https://cdn.shopify.com/s/files/1/${p.id}.jpg` },
  };
}

export function wooOrder(o: { id: number; customerId: number; email: string; status: string; created: string; modified: string; paid?: string | null;
  currency?: string; total: string; lines: { productId: number; quantity: number; price: number }[]; refunds?: { id: number; total: string }[] }) {
  return {
    id: o.id, parent_id: 0, status: o.status, currency: o.currency ?? 'EUR', version: '9.4.0', prices_include_tax: true,
    date_created: o.created, date_created_gmt: o.created, date_modified: o.modified, date_modified_gmt: o.modified,
    discount_total: '0.00', discount_tax: '0.00', shipping_total: '0.00', shipping_tax: '0.00', cart_tax: '0.00', total: o.total, total_tax: '0.00',
    customer_id: o.customerId, order_key: `wc_order_${o.id}`,
    billing: { first_name: 'Grace', last_name: 'Hopper', company: '', address_1: '1 Main St', city: 'Arlington', state: 'VA', postcode: '22201', country: 'US', email: o.email, phone: '+1 (703) 555-0100' },
    shipping: { first_name: 'Grace', last_name: 'Hopper', country: 'US', state: 'VA' },
    payment_method: 'stripe', payment_method_title: 'Credit card', transaction_id: `ch_${o.id}`,
    date_paid: o.paid ?? null, date_paid_gmt: o.paid ?? null, date_completed: null, date_completed_gmt: o.status === 'completed' ? o.modified : null,
    cart_hash: `hash${o.id}`, meta_data: [],
    line_items: o.lines.map((l, i) => ({ id: o.id * 10 + i, name: `Product ${l.productId}`, product_id: l.productId, variation_id: 0, quantity: l.quantity,
      tax_class: '', subtotal: (l.price * l.quantity).toFixed(2), total: (l.price * l.quantity).toFixed(2), sku: `W-${l.productId}`, price: l.price, meta_data: [] })),
    tax_lines: [], shipping_lines: [], fee_lines: [], coupon_lines: [],
    refunds: (o.refunds ?? []).map((r) => ({ id: r.id, reason: '', total: r.total })),
  };
}

/** The HTTP API over a test database, with a Temporal client (real, or one that reaches nothing). */
export function testApi(database: Database, temporal?: Client, taskQueue = 'q', ingestQueue?: ApiContext['ingestQueue']): { app: FastifyInstance; cipher: PiiCipher } {
  const cipher = new PiiCipher('cd'.repeat(32));
  const client = temporal ?? new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
  const app = buildApi({
    config: { TEMPORAL_TASK_QUEUE: taskQueue, JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 },
    database, temporal: client, cipher, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), metrics: createMetrics(),
    ...(ingestQueue ? { ingestQueue } : {}),
  });
  return { app, cipher };
}

/** Stores everything the Segment endpoints queued, as the queue processor would (tests run none in the background). */
export const storeQueued = (database: Database, cipher: PiiCipher): Promise<number> =>
  drainQueue({ database, cipher, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
