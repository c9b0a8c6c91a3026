import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { events, rejectedPayloads, shops } from '../../db/schema.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { shopifyProduct, testApi } from '../../ingest/test-payloads.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { createTestDatabase } from '../db.ts';

// Cases `npm run fuzz` found answering 500, each kept as a regression test at the HTTP API.

const SHOP = 'shop-fuzz-regressions';
const SECRET = 'shpss_fuzz_regressions_0123456789';

describe('fuzz regressions', () => {
  let database: Database;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const api = testApi(database);
    app = api.app;
    await database.db.insert(shops).values({ id: SHOP, name: 'Fuzz', currency: 'EUR' });
    await setSourceSecret(database.db, api.cipher, SHOP, 'shopify', SECRET);
    key = await createApiKey(database.db, SHOP, ['ingest']);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const kept = async () => (await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.status, 422))).length;

  // seed 777001, "POST native [retype eventId]": Postgres text cannot hold NUL, so the duplicate look-up failed.
  it('refuses a NUL character in an id or a text field with 422 naming the field, and keeps the payload', async () => {
    const before = await kept();
    const order = { type: 'order_placed', eventId: '\u0000', occurredAt: '2026-05-01T10:00:00Z', customer: { userId: 'u-\u0000', locale: 'de\u0000' },
      orderId: 'o-1', currency: 'EUR', totalMinor: 1200, lines: [{ productId: 'p-1', quantity: 1, priceMinor: 1200 }] };
    const response = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(order) });
    expect(response.statusCode, response.body).toBe(422);
    const errors = (response.json() as { errors: { field: string; message: string }[] }).errors;
    expect(errors.map((e) => e.field).sort()).toEqual(['customer.locale', 'customer.userId', 'eventId']);
    expect(errors[0]!.message).toContain('NUL');

    // The same through a platform adapter: a product title with a NUL.
    const raw = JSON.stringify(shopifyProduct({ id: 9, title: 'Mug\u0000', updatedAt: '2026-05-01T10:00:00Z', variants: [{ id: 1, price: '9.00', inventoryItemId: 2, quantity: 3 }] }));
    const product = await app.inject({ method: 'POST', url: `/v1/webhooks/shopify/${SHOP}`, payload: raw,
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'products/update', 'x-shopify-hmac-sha256': signBase64Hmac(SECRET, raw) } });
    expect(product.statusCode, product.body).toBe(422);
    expect(product.body).toContain('title');
    expect(await kept()).toBe(before + 2);
    expect(await database.db.select().from(events).where(eq(events.shopId, SHOP))).toEqual([]);
  });
});
