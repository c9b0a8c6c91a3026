import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { products, rejectedPayloads, shops } from '../db/schema.ts';
import { createTestDatabase } from '../test/db.ts';
import { pendingRejections, replayRejected } from './replay.ts';
import { setSourceSecret } from './secrets.ts';
import { signBase64Hmac } from './signatures.ts';
import { shopifyProduct, testApi } from './test-payloads.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insert(shops).values({ id: 'shop-replay', name: 'r', currency: 'EUR' });
});
afterAll(async () => database?.close());

it('keeps refused payloads and replays them once the cause is fixed', async () => {
  const { app, cipher } = testApi(database);
  const deps = { database, cipher };
  const body = JSON.stringify(shopifyProduct({ id: 42, title: 'Mug', updatedAt: '2026-05-01T10:00:00Z', variants: [{ id: 1, price: '9.00', inventoryItemId: 2, quantity: 8 }] }));
  const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/webhooks/shopify/shop-replay', payload,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-hmac-sha256': signBase64Hmac('s3cret', payload) } });
  // Sent before the shop's secret was configured: refused with 401 and kept.
  expect((await post(body)).statusCode).toBe(401);
  const invalid = body.replace('"9.00"', '"nine"');
  expect((await post(invalid)).statusCode).toBe(401);
  await setSourceSecret(database.db, cipher, 'shop-replay', 'shopify', 's3cret');
  expect((await post(invalid)).statusCode).toBe(422);

  const [unsigned, unsignedInvalid, invalidSigned] = await pendingRejections(deps, { source: 'shopify' });
  expect(await replayRejected(deps, unsigned!)).toMatchObject({ status: 'skipped', detail: expect.stringContaining('--trust-unsigned') });
  expect(await replayRejected(deps, unsigned!, { trustUnsigned: true })).toMatchObject({ status: 'stored', detail: '1 stored, 0 duplicate' });
  const [product] = await database.db.select().from(products).where(eq(products.id, '42'));
  expect(product).toMatchObject({ title: 'Mug', priceMinor: 900, stock: 8 });
  expect(await replayRejected(deps, unsignedInvalid!, { trustUnsigned: true })).toMatchObject({ status: 'still_rejected', detail: expect.stringContaining('variants.0.price') });
  expect(await replayRejected(deps, invalidSigned!)).toMatchObject({ status: 'still_rejected' });
  const [row] = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.id, unsigned!.id));
  expect(row?.replayedAt).toBeInstanceOf(Date);
  expect(await replayRejected(deps, row!)).toMatchObject({ status: 'skipped', detail: 'already replayed' });
  await app.close();
});
