import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { contacts, customers, events, shops } from '../../db/schema.ts';
import { testApi } from '../../ingest/test-payloads.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { fuzzOk, runFuzz } from '../../reliability/fuzz/run.ts';
import { createTestDatabase } from '../db.ts';

const EMAIL = 'ada.tenant@example.com';

describe('tenancy and data-subject requests', () => {
  let database: Database;
  let app: FastifyInstance;
  let keys: { aIngest: string; aAdmin: string; bAdmin: string };
  let customerId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(shops).values([{ id: 'shop-a', name: 'A', currency: 'EUR' }, { id: 'shop-b', name: 'B', currency: 'EUR' }]);
    keys = {
      aIngest: await createApiKey(database.db, 'shop-a', ['ingest']),
      aAdmin: await createApiKey(database.db, 'shop-a', ['admin']),
      bAdmin: await createApiKey(database.db, 'shop-b', ['admin']),
    };
    app = testApi(database).app;
    await app.ready();
    const stored = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${keys.aIngest}` }, payload: {
      type: 'customer_updated', eventId: 'ev-a-1', occurredAt: '2026-05-01T10:00:00Z', customer: { userId: 'a-1', email: EMAIL }, consents: [{ channel: 'email', granted: true }],
    } });
    expect(stored.statusCode).toBe(202);
    customerId = (stored.json() as { customerId: string }).customerId;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  /** Every route the API serves, read from Fastify's own route tree. */
  const routes = () => app.printRoutes({ commonPrefix: false }).split('\n').flatMap((line) => {
    const match = /(\/\S*) \(([A-Z, ]+)\)/.exec(line);
    return match ? match[2]!.split(', ').filter((m) => m !== 'HEAD').map((method) => ({ method, path: match[1]! })) : [];
  });

  it('lets no route read or change shop A\'s customer with shop B\'s admin key', async () => {
    const walked = routes();
    expect(walked.length).toBeGreaterThan(30);
    for (const { method, path } of walked) {
      const url = path.replace(/:shopId/g, 'shop-a').replace(/:asset/g, 'app.js').replace(/:[A-Za-z]+/g, customerId);
      const response = await app.inject({ method: method as 'GET', url: `${url}${url.includes('?') ? '&' : '?'}email=${encodeURIComponent(EMAIL)}`,
        headers: { authorization: `Bearer ${keys.bAdmin}`, 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { payload: '{}' }) });
      // 503 is an honest answer here (readiness without Temporal, a provider webhook not configured).
      expect(response.statusCode === 503 || response.statusCode < 500, `${method} ${url} answered ${response.statusCode}`).toBe(true);
      // A refusal may echo the id we sent it (that is not a leak); what it serves must hold none of A's data.
      if (response.statusCode >= 400) continue;
      expect(response.body, `${method} ${url} leaked shop A's customer`).not.toContain(customerId);
      expect(response.body, `${method} ${url} leaked shop A's e-mail`).not.toContain(EMAIL);
    }
    const [still] = await database.db.select().from(contacts).where(eq(contacts.customerId, customerId));
    expect(still?.emailEnc).toBeTruthy();
  });

  it('exports and erases a customer for the shop\'s admin key only', async () => {
    const as = (key: string, method: 'GET' | 'DELETE', ref = customerId) =>
      app.inject({ method, url: `/v1/privacy/customers/${ref}`, headers: { authorization: `Bearer ${key}` } });
    expect((await as(keys.aIngest, 'GET')).statusCode).toBe(403);
    expect((await as(keys.bAdmin, 'GET')).statusCode).toBe(404);
    expect((await as(keys.bAdmin, 'DELETE')).statusCode).toBe(404);

    const exported = await app.inject({ method: 'GET', url: `/v1/privacy/customers/by-email?email=${encodeURIComponent(EMAIL.toUpperCase())}`, headers: { authorization: `Bearer ${keys.aAdmin}` } });
    expect(exported.statusCode).toBe(200);
    const data = (exported.json() as { data: { contact: { email: string }; events: unknown[]; consents: unknown[] } }).data;
    expect(data.contact.email).toBe(EMAIL.toLowerCase());
    expect(data.events).toHaveLength(1);
    expect(data.consents.length).toBeGreaterThan(0);

    const erased = await as(keys.aAdmin, 'DELETE');
    expect(erased.statusCode).toBe(200);
    expect((erased.json() as { rowsRemoved: Record<string, number> }).rowsRemoved).toMatchObject({ customers: 1, contacts: 1, events: 1 });
    expect(await database.db.select().from(customers).where(eq(customers.id, customerId))).toHaveLength(0);
    expect(await database.db.select().from(events).where(and(eq(events.shopId, 'shop-a'), eq(events.customerId, customerId)))).toHaveLength(0);
    expect((await as(keys.aAdmin, 'GET')).statusCode).toBe(404);
  });

  it('answers hostile input below 500 and keeps each refusal with its reason (small fuzz)', async () => {
    const report = await runFuzz({ adapterCases: 800, apiCases: 200, seed: 42, database });
    expect(report.failures).toEqual([]);
    expect(fuzzOk(report)).toBe(true);
  }, 120_000);
});
