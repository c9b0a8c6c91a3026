import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { contacts, customers, rejectedPayloads, shops } from '../db/schema.ts';
import { rejectedBody } from '../ingest/replay.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { createTimeSkippingEnv } from '../test/temporal.ts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BODY_LIMIT_BYTES, buildApi } from './app.ts';

describe('HTTP API', () => {
  let database: Database;
  let app: FastifyInstance;
  let ingestKey: string;
  let readKey: string;
  let env: TestWorkflowEnvironment;
  let unreachable: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(shops).values({ id: 'shop-api', name: 'API shop', currency: 'EUR' });
    ingestKey = await createApiKey(database.db, 'shop-api', ['ingest']);
    readKey = await createApiKey(database.db, 'shop-api', ['read']);
    env = await createTimeSkippingEnv();
    // Nothing listens on this port: readiness must say Temporal is unreachable.
    unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    app = buildApi({
      config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 },
      database, temporal: env.client, cipher: new PiiCipher('ab'.repeat(32)), logger: createLogger('silent'), metrics: createMetrics(),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await database?.close();
  });

  const event = (overrides: Record<string, unknown> = {}) => ({
    type: 'customer_updated', eventId: 'ev-1', occurredAt: '2026-05-01T10:00:00Z',
    customer: { userId: 'u-1', email: 'Grace@Example.com', timezone: 'Europe/Berlin' }, consents: [{ channel: 'email', granted: true }], ...overrides,
  });
  const post = (body: unknown, key = ingestKey, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers liveness, and readiness with the failing dependency named', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
    const cut = buildApi({
      config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 },
      database, temporal: unreachable, cipher: new PiiCipher('ab'.repeat(32)), logger: createLogger('silent'), metrics: createMetrics(),
    });
    const ready = await cut.inject('/readyz');
    await cut.close();
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { database: 'ok' } });
    expect(ready.json().checks.temporal).not.toBe('ok');
  });

  it('serves Prometheus metrics with the app counters', async () => {
    const metrics = await app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('nextbest_events_ingested_total');
    expect(metrics.body).toContain('nextbest_http_request_seconds');
  });

  it('refuses missing, unknown and under-scoped keys', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/events', payload: event() })).statusCode).toBe(401);
    expect((await post(event(), 'nb_not-a-key')).statusCode).toBe(401);
    expect((await post(event(), readKey)).statusCode).toBe(403);
  });

  it('stores an event once: the customer pseudonymous, the e-mail encrypted apart', async () => {
    const first = await post(event());
    expect(first.statusCode).toBe(202);
    const { customerId } = first.json() as { customerId: string };
    expect(customerId).toMatch(/^cus_/);
    expect((await post(event())).json()).toEqual({ status: 'duplicate' });
    const [customer] = await database.db.select().from(customers).where(eq(customers.id, customerId));
    expect(customer).toMatchObject({ shopId: 'shop-api', timezone: 'Europe/Berlin' });
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.customerId, customerId));
    expect(contact?.emailEnc).not.toContain('grace');
    expect(new PiiCipher('ab'.repeat(32)).decrypt(contact!.emailEnc!)).toBe('grace@example.com');
  });

  it('names every wrong field and keeps the rejected payload with its reason', async () => {
    const response = await post(event({ eventId: 'ev-bad', occurredAt: 'yesterday', customer: { email: 'not-an-email' } }));
    expect(response.statusCode).toBe(422);
    const fields = (response.json() as { errors: { field: string; message: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['occurredAt', 'customer.email', 'customer']));
    const kept = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.status, 422));
    expect(kept.at(-1)).toMatchObject({ shopId: 'shop-api', source: 'api', endpoint: '/v1/events' });
    expect(rejectedBody(new PiiCipher('ab'.repeat(32)), kept.at(-1)!)).toContain('ev-bad');
  });

  it('answers 400 for broken JSON and 413 for oversize bodies, keeping both', async () => {
    const broken = await post('{"type": "cart_updated", ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().message).toMatch(/not valid JSON/);
    const huge = await post(JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES + 10) }));
    expect(huge.statusCode).toBe(413);
    const statuses = (await database.db.select().from(rejectedPayloads)).map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining([400, 413]));
  });

  it('explains a customer to a read key of their shop, and to no other shop', async () => {
    const created = await post(event({ eventId: 'ev-explain', customer: { userId: 'u-explain', timezone: 'Asia/Tokyo' } }));
    const { customerId } = created.json() as { customerId: string };
    const own = await app.inject({ url: `/v1/customers/${customerId}/explain`, headers: { authorization: `Bearer ${readKey}` } });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ customerId, shopId: 'shop-api', timezone: 'Asia/Tokyo', models: { stage: 'new' } });
    expect(own.json().models.channels.map((c: { channel: string }) => c.channel)).toEqual(['email', 'sms', 'whatsapp', 'push']);
    await database.db.insert(shops).values({ id: 'shop-other', name: 'Other', currency: 'EUR' });
    const foreign = await createApiKey(database.db, 'shop-other', ['admin']);
    const theirs = await app.inject({ url: `/v1/customers/${customerId}/explain`, headers: { authorization: `Bearer ${foreign}` } });
    expect(theirs.statusCode).toBe(404);
  });

  it('answers 404 with the route it could not find', async () => {
    const response = await app.inject('/nope');
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toContain('GET /nope');
  });
});
