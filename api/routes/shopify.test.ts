import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { consents, contacts, customers, events, orderLines, orders, products, rejectedPayloads, shops } from '../../db/schema.ts';
import { canonicalOrderId } from '../../ingest/entry.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { shopifyOrder, shopifyProduct, shopifyRefund, storeQueued, testApi, type OrderSpec } from '../../ingest/test-payloads.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import type { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../../test/db.ts';
import { createTimeSkippingEnv } from '../../test/temporal.ts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

const SECRET = 'shpss_0123456789abcdef';

describe('Shopify webhooks', () => {
  let database: Database;
  let app: FastifyInstance;
  let cipher: PiiCipher;
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = await createTimeSkippingEnv();
    ({ app, cipher } = testApi(database, env.client));
    for (const id of ['shop-shopify', 'shop-segment']) await database.db.insert(shops).values({ id, name: id, currency: 'EUR', lowStockThreshold: 5 });
    await setSourceSecret(database.db, cipher, 'shop-shopify', 'shopify', SECRET, 'test-shop.myshopify.com');
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await database?.close();
  });

  let delivery = 0;
  const send = (topic: string, body: unknown, opts: { secret?: string; signature?: string | null; shop?: string } = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = opts.signature === undefined ? signBase64Hmac(opts.secret ?? SECRET, raw) : opts.signature;
    return app.inject({
      method: 'POST', url: `/v1/webhooks/shopify/${opts.shop ?? 'shop-shopify'}`, payload: raw,
      headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-shop-domain': 'test-shop.myshopify.com',
        'x-shopify-webhook-id': `wh-${++delivery}`, 'x-shopify-api-version': '2024-10', ...(signature === null ? {} : { 'x-shopify-hmac-sha256': signature }) },
    });
  };
  const order = (o: Partial<OrderSpec> & { id: number }): OrderSpec => ({
    customerId: 7001, email: 'ada@example.com', createdAt: '2026-05-01T12:00:00+02:00',
    lines: [{ productId: 501, variantId: 5011, quantity: 2, price: '19.99' }, { productId: 502, variantId: 5021, quantity: 1, price: '5.50' }], ...o,
  });

  it('refuses unsigned and wrongly signed webhooks with 401 and keeps them', async () => {
    const body = shopifyOrder(order({ id: 1 }));
    expect((await send('orders/create', body, { signature: null })).statusCode).toBe(401);
    expect((await send('orders/create', body, { secret: 'not-the-secret' })).statusCode).toBe(401);
    const tampered = await send('orders/create', JSON.stringify(body), { signature: signBase64Hmac(SECRET, JSON.stringify({ ...body, total_price: '0.01' })) });
    expect(tampered.statusCode).toBe(401);
    const noSecret = await send('orders/create', body, { shop: 'shop-segment' });
    expect(noSecret.json()).toMatchObject({ error: 'bad_signature', message: 'no Shopify secret is configured for shop "shop-segment"' });
    const kept = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.source, 'shopify'));
    expect(kept.filter((k) => k.status === 401)).toHaveLength(4);
    expect(kept[0]).toMatchObject({ endpoint: '/v1/webhooks/shopify/shop-shopify', headers: { 'x-shopify-topic': 'orders/create' } });
    expect(await database.db.select().from(orders)).toHaveLength(0);
  });

  it('refuses an invalid payload with 422 naming each wrong field, and keeps it', async () => {
    const bad = shopifyOrder(order({ id: 2 }));
    bad.total_price = 19.99;
    (bad.line_items as Record<string, unknown>[])[1]!.quantity = 0;
    const res = await send('orders/create', bad);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual(expect.arrayContaining([
      { field: 'total_price', message: expect.stringContaining('string') },
      { field: 'line_items.1.quantity', message: expect.stringContaining('>0') },
    ]));
    const tooPrecise = shopifyOrder(order({ id: 3, lines: [{ productId: 1, variantId: 1, quantity: 1, price: '1.999' }] }));
    expect((await send('orders/create', tooPrecise)).json().errors).toEqual([{ field: 'line_items.0.price', message: '"1.999" has more decimals than EUR allows (2)' }]);
    expect((await send('orders/delete', { id: 1 })).json().errors).toEqual([{ field: 'X-Shopify-Topic', message: expect.stringContaining('not a topic we subscribe to') }]);
    expect((await send('orders/create', '{"id": 5,')).statusCode).toBe(400);
    const kept = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.status, 422));
    expect(kept.some((k) => JSON.stringify(k.reason).includes('line_items.1.quantity'))).toBe(true);
  });

  it('stores an order once, with money in minor units, presentment money, consent and the inferred time zone', async () => {
    const body = shopifyOrder(order({ id: 10, presentmentCurrency: 'USD', emailConsent: 'subscribed', country: 'US', province: 'CA', discount: '5.00' }));
    const first = await send('orders/create', body);
    expect(first.statusCode).toBe(200);
    expect(first.json().status).toBe('accepted');
    expect((await send('orders/create', body)).json()).toMatchObject({ status: 'duplicate' });
    const [o] = await database.db.select().from(orders).where(eq(orders.id, canonicalOrderId('shop-shopify', 'shopify', '10')));
    expect(o).toMatchObject({ status: 'paid', currency: 'EUR', totalMinor: 4048, discountMinor: 500, presentmentCurrency: 'USD', presentmentTotalMinor: 4453,
      placedAt: new Date('2026-05-01T10:00:00Z'), paidAt: new Date('2026-05-01T10:00:00Z') });
    const lines = await database.db.select().from(orderLines).where(eq(orderLines.orderId, o!.id));
    expect(lines.map((l) => [l.productId, l.quantity, l.priceMinor])).toEqual([['501', 2, 1999], ['502', 1, 550]]);
    const [c] = await database.db.select().from(customers).where(eq(customers.id, o!.customerId));
    expect(c).toMatchObject({ timezone: 'America/Los_Angeles', anonymous: false, locale: 'de-DE' });
    const consent = await database.db.select().from(consents).where(eq(consents.customerId, o!.customerId));
    expect(consent).toMatchObject([{ channel: 'email', granted: true, source: 'shopify', recordedAt: new Date('2026-05-01T10:00:00Z') }]);
    // No e-mail in activity data: events carry the pseudonymous key only.
    const rows = await database.db.select().from(events).where(eq(events.customerId, o!.customerId));
    expect(JSON.stringify(rows)).not.toContain('ada@example.com');
  });

  it('ends an order in the same state whether paid, refunded and created arrive in order or not', async () => {
    const paidFirst = shopifyOrder(order({ id: 21, financialStatus: 'pending' }));
    await send('refunds/create', shopifyRefund({ id: 91, orderId: 21, createdAt: '2026-05-02T09:00:00Z', amount: '10.00' }));
    await send('orders/paid', { ...paidFirst, financial_status: 'paid', processed_at: '2026-05-01T10:05:00Z' });
    await send('orders/create', paidFirst);
    await send('orders/paid', { ...paidFirst, financial_status: 'paid', processed_at: '2026-05-01T10:05:00Z' });

    const inOrder = shopifyOrder(order({ id: 22, financialStatus: 'pending' }));
    await send('orders/create', inOrder);
    await send('orders/paid', { ...inOrder, financial_status: 'paid', processed_at: '2026-05-01T10:05:00Z' });
    await send('refunds/create', shopifyRefund({ id: 92, orderId: 22, createdAt: '2026-05-02T09:00:00Z', amount: '10.00' }));

    const state = async (id: string) => {
      const [o] = await database.db.select().from(orders).where(eq(orders.id, canonicalOrderId('shop-shopify', 'shopify', id)));
      return { status: o?.status, refunded: o?.refundedMinor, paidAt: o?.paidAt, total: o?.totalMinor };
    };
    expect(await state('21')).toEqual({ status: 'partially_refunded', refunded: 1000, paidAt: new Date('2026-05-01T10:05:00Z'), total: 4548 });
    expect(await state('22')).toEqual(await state('21'));
    await send('orders/cancelled', { ...inOrder, cancelled_at: '2026-05-03T08:00:00Z' });
    await send('refunds/create', shopifyRefund({ id: 93, orderId: 22, createdAt: '2026-05-03T08:01:00Z', amount: '35.48' }));
    expect(await state('22')).toMatchObject({ status: 'refunded', refunded: 4548 });
  });

  it('keeps products and stock from product and inventory-level webhooks', async () => {
    const product = shopifyProduct({ id: 801, title: 'Pour-over kettle', updatedAt: '2026-05-01T08:00:00Z', variants: [
      { id: 8011, price: '59.00', inventoryItemId: 9011, quantity: 6 }, { id: 8012, price: '54.00', inventoryItemId: 9012, quantity: 4 }] });
    expect((await send('products/update', product)).statusCode).toBe(200);
    await send('inventory_levels/update', { inventory_item_id: 9011, location_id: 655441491, available: 0, updated_at: '2026-05-01T09:00:00-04:00', admin_graphql_api_id: 'gid://shopify/InventoryLevel/1' });
    const [p] = await database.db.select().from(products).where(eq(products.id, '801'));
    expect(p).toMatchObject({ title: 'Pour-over kettle', category: 'Kitchen', priceMinor: 5400, currency: 'EUR', stock: 4, imageUrl: 'https://cdn.shopify.com/s/files/1/801.jpg' });
  });

  it('records marketing consent changes from customer webhooks', async () => {
    const customer = (state: string, at: string) => ({ id: 7100, email: 'lin@example.com', created_at: '2026-04-01T10:00:00Z', updated_at: at, phone: '+4915112345678',
      first_name: 'Lin', state: 'enabled', email_marketing_consent: { state, opt_in_level: 'confirmed_opt_in', consent_updated_at: at },
      sms_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in', consent_updated_at: at, consent_collected_from: 'SHOPIFY' },
      default_address: { country_code: 'DE', province_code: null } });
    await send('customers/create', customer('subscribed', '2026-04-01T10:00:00Z'));
    await send('customers/update', customer('unsubscribed', '2026-04-05T10:00:00Z'));
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.emailHash, cipher.lookupHash('lin@example.com')));
    expect(cipher.decrypt(contact!.phoneEnc!)).toBe('+4915112345678');
    const rows = await database.db.select().from(consents).where(eq(consents.customerId, contact!.customerId)).orderBy(consents.id);
    expect(rows.map((r) => [r.channel, r.granted])).toEqual([['email', true], ['sms', true], ['email', false]]);
  });

  it('turns the same order sent through Shopify and through the Segment API into identical canonical records', async () => {
    const spec = order({ id: 4001, customerId: 7300, email: 'same@example.com', country: 'DE', lines: [{ productId: 601, variantId: 6011, quantity: 3, price: '12.50' }], discount: '2.50' });
    expect((await send('orders/create', shopifyOrder(spec))).statusCode).toBe(200);
    const key = await createApiKey(database.db, 'shop-segment', ['ingest']);
    const segment = await app.inject({
      method: 'POST', url: '/v1/track', headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' },
      payload: {
        type: 'track', event: 'Order Completed', messageId: 'seg-4001', userId: '7300', timestamp: '2026-05-01T10:00:00.000Z',
        context: { locale: 'de-DE', traits: { email: 'same@example.com', address: { country: 'DE' } } },
        properties: { order_id: '4001', total: 35.0, discount: 2.5, currency: 'EUR', products: [{ product_id: '601', sku: 'SKU-6011', price: 12.5, quantity: 3 }] },
      },
    });
    expect(segment.statusCode).toBe(200);
    await storeQueued(database, cipher);
    const record = async (shopId: string, source: string) => {
      const [o] = await database.db.select().from(orders).where(eq(orders.id, canonicalOrderId(shopId, source, '4001')));
      const lines = await database.db.select().from(orderLines).where(eq(orderLines.orderId, o!.id));
      const [c] = await database.db.select().from(customers).where(eq(customers.id, o!.customerId));
      const [contact] = await database.db.select().from(contacts).where(eq(contacts.customerId, o!.customerId));
      const { id: _i, shopId: _s, source: _src, customerId: _c, updatedAt: _u, ...order } = o!;
      return { order, lines: lines.map(({ orderId: _o, ...l }) => l), customer: { timezone: c?.timezone, locale: c?.locale, anonymous: c?.anonymous },
        email: cipher.decrypt(contact!.emailEnc!) };
    };
    const viaShopify = await record('shop-shopify', 'shopify');
    expect(viaShopify.order).toMatchObject({ totalMinor: 3500, discountMinor: 250, status: 'paid' });
    expect(await record('shop-segment', 'segment')).toEqual(viaShopify);
  });
});
