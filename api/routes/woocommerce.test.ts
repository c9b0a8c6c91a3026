import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { contacts, customerIdentities, orders, products, rejectedPayloads, shops } from '../../db/schema.ts';
import { triggerOutbox } from '../../db/schema-ingest.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { testApi, wooOrder } from '../../ingest/test-payloads.ts';
import { createTestDatabase } from '../../test/db.ts';

// WooCommerce webhooks as a store sends them: X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw
// body with the webhook secret), topic and source headers, and the form-encoded ping of a new webhook.

const SHOP = 'shop-woo';
const SECRET = 'woo-webhook-secret-7f3a';
let database: Database;
let app: FastifyInstance;

beforeAll(async () => {
  database = await createTestDatabase();
  let cipher;
  ({ app, cipher } = testApi(database));
  await database.db.insert(shops).values([{ id: SHOP, name: 'Woo shop', currency: 'USD' }, { id: 'shop-no-secret', name: 'No secret', currency: 'USD' }]);
  await setSourceSecret(database.db, cipher, SHOP, 'woocommerce', SECRET, 'https://shop.example.com');
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

let delivery = 0;
const send = (topic: string, body: unknown, opts: { secret?: string; signature?: string | null; shop?: string } = {}) => {
  const raw = JSON.stringify(body);
  const signature = opts.signature === undefined ? signBase64Hmac(opts.secret ?? SECRET, raw) : opts.signature;
  return app.inject({
    method: 'POST', url: `/v1/webhooks/woocommerce/${opts.shop ?? SHOP}`, payload: raw,
    headers: { 'content-type': 'application/json', 'user-agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)', 'x-wc-webhook-topic': topic,
      'x-wc-webhook-source': 'https://shop.example.com/', 'x-wc-webhook-delivery-id': String(++delivery), 'x-wc-webhook-id': '12',
      ...(signature === null ? {} : { 'x-wc-webhook-signature': signature }) },
  });
};
const order = (o: Partial<Parameters<typeof wooOrder>[0]> = {}) => wooOrder({ id: 8101, customerId: 42, email: 'grace@example.com', status: 'processing',
  created: '2026-05-01T10:00:00', modified: '2026-05-01T10:00:05', paid: '2026-05-01T10:00:04', currency: 'USD', total: '49.90',
  lines: [{ productId: 301, quantity: 2, price: 24.95 }], ...o });

describe('WooCommerce webhooks', () => {
  it('answers the ping a new webhook sends before its first delivery', async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/webhooks/woocommerce/${SHOP}`, payload: 'webhook_id=12', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ping' });
  });

  it('stores a signed order (paid, customer with billing contact), queues its triggers, and treats the redelivery as a duplicate', async () => {
    const res = await send('order.created', order());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted', triggersQueued: 2 }); // new identified customer, order placed
    const [stored] = await database.db.select().from(orders).where(and(eq(orders.shopId, SHOP), eq(orders.sourceId, '8101')));
    expect(stored).toMatchObject({ status: 'paid', totalMinor: 4990, currency: 'USD', source: 'woocommerce' });
    const [identity] = await database.db.select().from(customerIdentities).where(and(eq(customerIdentities.shopId, SHOP), eq(customerIdentities.sourceId, 'user:42')));
    expect(identity!.customerId).toBe(stored!.customerId);
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.customerId, stored!.customerId));
    expect(contact!.phoneHash).not.toBeNull(); // "+1 (703) 555-0100" normalised to E.164
    expect((await send('order.created', order())).json()).toEqual({ status: 'duplicate', triggersQueued: 0 });
    const queued = await database.db.select({ kind: triggerOutbox.kind }).from(triggerOutbox).where(eq(triggerOutbox.shopId, SHOP));
    expect(queued.map((q) => q.kind).sort()).toEqual(['new-customer', 'order-placed']);
  });

  it('records a later refund and completion from order.updated', async () => {
    const res = await send('order.updated', order({ status: 'completed', modified: '2026-05-03T08:00:00', refunds: [{ id: 9001, total: '-24.95' }] }));
    expect(res.statusCode).toBe(200);
    const [stored] = await database.db.select().from(orders).where(and(eq(orders.shopId, SHOP), eq(orders.sourceId, '8101')));
    expect(stored).toMatchObject({ status: 'partially_refunded', refundedMinor: 2495 });
    expect(stored!.fulfilledAt?.toISOString()).toBe('2026-05-03T08:00:00.000Z');
  });

  it('stores a product update with its stock', async () => {
    const res = await send('product.updated', { id: 301, name: 'Pour-over kettle', price: '24.95', regular_price: '29.95', permalink: 'https://shop.example.com/p/kettle',
      date_modified_gmt: '2026-05-02T09:00:00', manage_stock: true, stock_quantity: 3, categories: [{ id: 5, name: 'Kitchen' }], images: [] });
    expect(res.statusCode).toBe(200);
    const [p] = await database.db.select().from(products).where(and(eq(products.shopId, SHOP), eq(products.id, '301')));
    expect(p).toMatchObject({ title: 'Pour-over kettle', priceMinor: 2495, currency: 'USD', stock: 3, category: 'Kitchen' });
  });

  it('names each wrong field of an order with 422 and keeps the payload', async () => {
    const res = await send('order.created', { ...order({ id: 8102 }), total: '49,90', currency: 'usd', date_created_gmt: 'yesterday' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['currency', 'date_created_gmt', 'total']);
    expect((await send('coupon.created', { id: 1 })).json().errors).toEqual([expect.objectContaining({ field: 'X-WC-Webhook-Topic' })]);
    const kept = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.source, 'woocommerce'), eq(rejectedPayloads.status, 422)));
    expect(kept.map((k) => k.headers['x-wc-webhook-topic']).sort()).toEqual(['coupon.created', 'order.created']);
  });

  it('refuses a missing or wrong signature, or a shop without a secret, with 401 and stores nothing', async () => {
    const body = order({ id: 8103 });
    expect((await send('order.created', body, { signature: null })).statusCode).toBe(401);
    expect((await send('order.created', body, { secret: 'not-the-secret' })).statusCode).toBe(401);
    const noSecret = await send('order.created', body, { shop: 'shop-no-secret' });
    expect(noSecret.json()).toMatchObject({ error: 'bad_signature', message: 'no WooCommerce secret is configured for shop "shop-no-secret"' });
    expect(await database.db.select().from(orders).where(eq(orders.sourceId, '8103'))).toHaveLength(0);
    expect(await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.source, 'woocommerce'), eq(rejectedPayloads.status, 401)))).toHaveLength(3);
  });
});
