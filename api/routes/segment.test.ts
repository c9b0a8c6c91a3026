import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { carts, consents, contacts, customerIdentities, events, orders, rejectedPayloads, shops } from '../../db/schema.ts';
import { triggerOutbox } from '../../db/schema-ingest.ts';
import { rejectedBody } from '../../ingest/replay.ts';
import { storeQueued, testApi } from '../../ingest/test-payloads.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import type { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../../test/db.ts';

// Segment's tracking API as analytics.js and the server libraries send it: write key as Basic auth
// user name, messages with messageId, context and e-commerce spec v2 properties. The endpoints validate
// and queue; storeQueued runs the queue processor, as the API's own would moments later.

const SHOP = 'shop-segment-api';
let database: Database;
let app: FastifyInstance;
let writeKey: string;
let cipher: PiiCipher;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app, cipher } = testApi(database));
  await database.db.insert(shops).values([{ id: SHOP, name: 'Segment shop', currency: 'EUR' }, { id: 'other-shop', name: 'Other', currency: 'EUR' }]);
  writeKey = await createApiKey(database.db, SHOP, ['ingest']);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
let n = 0;
const context = { library: { name: 'analytics.js', version: '4.1.0' }, timezone: 'Europe/Berlin', locale: 'de-DE', userAgent: 'Mozilla/5.0',
  page: { url: 'https://shop.example.com/p/mug' }, ip: '203.0.113.7' };
const message = (m: Record<string, unknown>) => ({ messageId: `ajs-${++n}-4e8f`, timestamp: new Date(Date.UTC(2026, 4, 1, 9, n)).toISOString(),
  sentAt: new Date(Date.UTC(2026, 4, 1, 9, n, 1)).toISOString(), context, integrations: {}, ...m });
const post = (path: string, body: unknown, auth: string | null = basic(writeKey)) =>
  app.inject({ method: 'POST', url: path, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) } });

describe('Segment tracking API', () => {
  it('stores a track call (Product Added) and an identify with traits; the cart journey waits until the visitor identifies', async () => {
    const added = await post('/v1/track', message({ type: 'track', event: 'Product Added', anonymousId: 'anon-seg-1',
      properties: { cart_id: 'cart-seg-1', product_id: 'sku-mug', sku: 'MUG-1', name: 'Stoneware mug', price: 18.5, quantity: 2, currency: 'EUR' } }));
    expect(added.statusCode).toBe(200);
    expect(added.json()).toEqual({ status: 'accepted' });
    // Accepted is queued, not yet stored.
    expect(await database.db.select().from(carts).where(and(eq(carts.shopId, SHOP), eq(carts.id, 'cart-seg-1')))).toEqual([]);
    expect(await storeQueued(database, cipher)).toBe(1);
    // Nobody can reach an anonymous visitor: their cart starts no journey yet.
    expect(await database.db.select().from(triggerOutbox).where(eq(triggerOutbox.shopId, SHOP))).toEqual([]);
    const [cart] = await database.db.select().from(carts).where(and(eq(carts.shopId, SHOP), eq(carts.id, 'cart-seg-1')));
    expect(cart).toMatchObject({ valueMinor: 3700, currency: 'EUR', items: [{ productId: 'sku-mug', quantity: 2, priceMinor: 1850 }] });

    const identify = await post('/v1/identify', message({ type: 'identify', anonymousId: 'anon-seg-1', userId: 'user-seg-1',
      traits: { email: 'Grace.Hopper@Example.com', phone: '+49 151 12345678', email_opt_in: true, address: { country: 'DE' } } }));
    expect(identify.json()).toEqual({ status: 'accepted' });
    await storeQueued(database, cipher);
    // The visitor became a known customer: onboarding, and the cart they left starts its journey.
    const [identity] = await database.db.select().from(customerIdentities).where(and(eq(customerIdentities.shopId, SHOP), eq(customerIdentities.sourceId, 'user:user-seg-1')));
    expect(identity!.customerId).toBe(cart!.customerId);
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.customerId, cart!.customerId));
    expect(contact!.emailEnc).not.toContain('Grace');
    expect(await database.db.select({ channel: consents.channel, granted: consents.granted }).from(consents).where(eq(consents.customerId, cart!.customerId)))
      .toEqual([{ channel: 'email', granted: true }]);
    const queued = await database.db.select({ kind: triggerOutbox.kind, payload: triggerOutbox.payload }).from(triggerOutbox).where(eq(triggerOutbox.shopId, SHOP));
    // The cart is looked up when the trigger fires (journeys/outbox.test.ts follows it to the journey).
    expect(queued.map((q) => q.kind).sort()).toEqual(['new-customer', 'reachable']);
    expect(queued.find((q) => q.kind === 'reachable')!.payload).toMatchObject({ customerId: cart!.customerId });
  });

  it('queues a batch, counts duplicates, and names each refused message by field while keeping the good ones', async () => {
    const good = [
      message({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-seg-2', properties: { product_id: 507, price: '24.90', currency: 'eur' } }),
      message({ type: 'track', event: 'Order Completed', userId: 'user-seg-2', anonymousId: 'anon-seg-2',
        properties: { order_id: 'seg-o-1', total: 49.8, currency: 'EUR', products: [{ product_id: 507, price: 24.9, quantity: 2 }] } }),
      message({ type: 'page', name: 'Home' }),
    ];
    const first = await post('/v1/batch', { batch: good, sentAt: new Date().toISOString() });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ success: true, accepted: 2, duplicates: 0, rejected: 0 });
    // Resent while still queued: accepted again (the queue holds requests), and stored once.
    expect((await post('/v1/batch', { batch: good.slice(0, 1) })).json()).toMatchObject({ success: true, accepted: 1, duplicates: 0 });
    expect(await storeQueued(database, cipher)).toBe(3);
    expect(await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.productId, '507'), eq(events.type, 'product_viewed')))).toHaveLength(1);
    const [order] = await database.db.select().from(orders).where(and(eq(orders.shopId, SHOP), eq(orders.sourceId, 'seg-o-1')));
    expect(order).toMatchObject({ totalMinor: 4980, currency: 'EUR', status: 'paid' }); // Order Completed: paid at checkout

    const bad = message({ type: 'track', event: 'Product Added', anonymousId: 'anon-seg-3', properties: { cart_id: 'c3', product_id: 'x', price: 'ten euros' } });
    const mixed = await post('/v1/batch', { batch: [...good.slice(0, 2), bad, message({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-seg-3', properties: { product_id: 'p-9' } })] });
    expect(mixed.statusCode).toBe(422);
    const body = mixed.json();
    // The good two were stored already: duplicates.
    expect(body).toMatchObject({ error: 'invalid_messages', message: '1 message(s) refused, 1 accepted, 2 duplicate' });
    expect(body.errors).toEqual([{ field: 'batch.2.properties.price', message: 'a decimal amount' }]);
    await storeQueued(database, cipher);
    const views = await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.productId, 'p-9')));
    expect(views).toHaveLength(1);
    const [kept] = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.shopId, SHOP), eq(rejectedPayloads.status, 422)));
    expect(kept).toMatchObject({ source: 'segment', endpoint: '/v1/batch' });
    expect(JSON.parse(rejectedBody(cipher, kept!)).batch).toHaveLength(4);
  });

  it('names the wrong fields of a single call', async () => {
    const noId = await post('/v1/track', { type: 'track', event: 'Order Completed', anonymousId: 'anon-seg-4', properties: {} });
    expect(noId.statusCode).toBe(422);
    expect(noId.json().errors.map((e: { field: string }) => e.field)).toEqual(['messageId']);
    const res = await post('/v1/track', message({ type: 'track', event: 'Order Completed', anonymousId: 'anon-seg-4', properties: { products: [{ price: 3 }] } }));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['properties.order_id', 'properties.products.0.product_id']);
  });

  it('refuses a missing, unknown or scope-less write key with 401 and keeps the payload', async () => {
    const body = message({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-seg-5', properties: { product_id: 'p-1' } });
    expect((await post('/v1/track', body, null)).statusCode).toBe(401);
    expect((await post('/v1/track', body, basic('nb_not-a-key'))).statusCode).toBe(401);
    const readOnly = await createApiKey(database.db, SHOP, ['read']);
    expect((await post('/v1/track', body, basic(readOnly))).statusCode).toBe(401);
    // In the body, as some server libraries send it.
    expect((await post('/v1/track', { ...body, writeKey }, null)).statusCode).toBe(200);
    await storeQueued(database, cipher);
    const kept = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.source, 'segment'), eq(rejectedPayloads.status, 401)));
    expect(kept).toHaveLength(3);
    expect(await database.db.select().from(events).where(eq(events.shopId, 'other-shop'))).toHaveLength(0);
  });
});
