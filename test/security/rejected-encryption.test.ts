import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { contacts, rejectedPayloads, shops } from '../../db/schema.ts';
import { encryptLegacyRejections, pendingRejections, rejectedBody, replayRejected } from '../../ingest/replay.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { shopifyOrder, testApi } from '../../ingest/test-payloads.ts';
import { normaliseEmail, piiLookupHashes, type PiiCipher } from '../../lib/pii.ts';
import { deleteCustomerData } from '../../privacy/customer-data.ts';
import { createTestDatabase } from '../db.ts';

// Refused payloads are kept to be replayed, and a Shopify order names its buyer: the kept body is
// encrypted with the PII key, found for an erase by look-up hashes, and decrypted to be replayed.

const SHOP = 'shop-kept';
const EMAIL = 'Erin.Encrypted+shop@Example.com';
const PHONE = '+4917612345678';
const SECRET = 'shpss_kept_0123456789abcdef';

describe('kept payloads are encrypted at rest', () => {
  let database: Database;
  let app: FastifyInstance;
  let cipher: PiiCipher;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app, cipher } = testApi(database));
    await database.db.insert(shops).values([{ id: SHOP, name: 'Kept', currency: 'EUR' }, { id: 'shop-else', name: 'Else', currency: 'EUR' }]);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const order = (id: number, price = '19.99') => {
    const body = shopifyOrder({ id, customerId: 6101, email: EMAIL, createdAt: '2026-05-01T12:00:00+02:00', lines: [{ productId: 501, variantId: 5011, quantity: 1, price }] });
    (body.customer as Record<string, unknown>).phone = '+49 176 1234 5678';
    return JSON.stringify(body);
  };
  const post = (raw: string) => app.inject({ method: 'POST', url: `/v1/webhooks/shopify/${SHOP}`, payload: raw,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': signBase64Hmac(SECRET, raw) } });
  /** Every form of the address a careless store could hold. */
  const forms = [EMAIL, EMAIL.toLowerCase(), encodeURIComponent(EMAIL), encodeURIComponent(EMAIL.toLowerCase()), 'erin.encrypted', PHONE, '1234 5678'];

  it('stores no readable e-mail or phone, and replays the decrypted body once the cause is fixed', async () => {
    // Sent before the shop's Shopify secret was configured: refused 401 and kept.
    expect((await post(order(7301))).statusCode).toBe(401);
    const rows = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.endpoint, `/v1/webhooks/shopify/${SHOP}`));
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    for (const form of forms) expect(stored, `kept row holds "${form}"`).not.toContain(form);
    // As Postgres sees it, too (the bytes on disk are what a dump would hold).
    const [raw] = await database.db.select({ body: sql<string>`convert_from(convert_to(${rejectedPayloads.body}, 'UTF8'), 'UTF8')` }).from(rejectedPayloads).where(eq(rejectedPayloads.id, rows[0]!.id));
    for (const form of forms) expect(raw!.body).not.toContain(form);
    expect(rows[0]).toMatchObject({ bodyEncrypted: true });
    expect(rows[0]!.piiHashes).toEqual(expect.arrayContaining([cipher.lookupHash(normaliseEmail(EMAIL)), cipher.lookupHash(PHONE)]));
    expect(rejectedBody(cipher, rows[0]!)).toBe(order(7301));

    await setSourceSecret(database.db, cipher, SHOP, 'shopify', SECRET);
    const [pending] = await pendingRejections({ database, cipher }, { source: 'shopify' });
    expect(await replayRejected({ database, cipher }, pending!, { trustUnsigned: true })).toMatchObject({ status: 'stored' });
    const [contact] = await database.db.select().from(contacts).where(and(eq(contacts.shopId, SHOP), eq(contacts.emailHash, cipher.lookupHash(normaliseEmail(EMAIL)))));
    expect(contact).toBeDefined();
  });

  it('encrypts payloads kept before encryption (`rejected encrypt`), which replay as before', async () => {
    const legacy = order(7302, 'nine euros');
    const [row] = await database.db.insert(rejectedPayloads).values({ shopId: SHOP, source: 'shopify', endpoint: `/v1/webhooks/shopify/${SHOP}`, status: 422,
      reason: { code: 'invalid_payload' }, body: legacy, headers: { 'x-shopify-topic': 'orders/create' } }).returning();
    expect(row).toMatchObject({ bodyEncrypted: false, piiHashes: [] });
    expect(await replayRejected({ database, cipher }, row!)).toMatchObject({ status: 'still_rejected' });
    expect(await encryptLegacyRejections({ database, cipher })).toBe(1);
    expect(await encryptLegacyRejections({ database, cipher })).toBe(0);
    const [after] = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.id, row!.id));
    for (const form of forms) expect(after!.body).not.toContain(form);
    expect(rejectedBody(cipher, after!)).toBe(legacy);
    expect(after!.piiHashes).toContain(cipher.lookupHash(normaliseEmail(EMAIL)));
    expect(await replayRejected({ database, cipher }, after!)).toMatchObject({ status: 'still_rejected', detail: expect.stringContaining('price') });
  });

  it('an erase removes the encrypted payloads that name the person (and provider webhooks kept without a shop), and no one else\'s', async () => {
    const [contact] = await database.db.select().from(contacts).where(and(eq(contacts.shopId, SHOP), eq(contacts.emailHash, cipher.lookupHash(normaliseEmail(EMAIL)))));
    const keep = async (shopId: string | null, body: string) => (await database.db.insert(rejectedPayloads).values({ shopId, source: shopId ? 'shopify' : 'resend', endpoint: '/x', status: 401,
      reason: { code: 'bad_signature' }, body: cipher.encrypt(body), bodyEncrypted: true, piiHashes: piiLookupHashes(cipher, body) }).returning())[0]!.id;
    const webhook = await keep(null, JSON.stringify({ type: 'email.bounced', data: { to: [EMAIL.toLowerCase()] } }));
    const someoneElse = await keep(SHOP, JSON.stringify({ email: 'other.person@example.com' }));
    const otherShop = await keep('shop-else', JSON.stringify({ email: 'other.person@example.com' }));
    const removed = await deleteCustomerData(database.db, cipher, SHOP, contact!.customerId);
    expect(removed.rejected_payloads).toBe(3);
    const left = (await database.db.select({ id: rejectedPayloads.id }).from(rejectedPayloads)).map((r) => r.id).sort((a, b) => a - b);
    expect(left).toEqual([someoneElse, otherShop].sort((a, b) => a - b));
    expect(left).not.toContain(webhook);
  });

  it('finds addresses in JSON-escaped and URL-encoded bodies, and scans a hostile megabyte in linear time', () => {
    const hash = cipher.lookupHash('ann@example.org');
    expect(piiLookupHashes(cipher, '{"email":"ann\\u0040example.org"}')).toContain(hash);
    expect(piiLookupHashes(cipher, 'To=ANN%40example.org&From=%2B4915112345678')).toEqual(expect.arrayContaining([hash, cipher.lookupHash('+4915112345678')]));
    expect(piiLookupHashes(cipher, 'no addresses here @ all + 12')).toEqual([]);
    const started = performance.now();
    piiLookupHashes(cipher, `${'a'.repeat(500_000)}@${'b.'.repeat(250_000)}`);
    piiLookupHashes(cipher, '@+1'.repeat(330_000));
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
