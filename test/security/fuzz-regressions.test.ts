import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { LinkSigner } from '../../channels/links.ts';
import type { Database } from '../../db/client.ts';
import { events, rejectedPayloads, shops } from '../../db/schema.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { shopifyProduct, testApi } from '../../ingest/test-payloads.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { fuzzOk, runFuzz } from '../../reliability/fuzz/run.ts';
import { createTestDatabase } from '../db.ts';
import { newResendWebhookSecret, signResendWebhook } from '../fakes/resend.ts';

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

// Cases the fuzz command's channel targets (Resend and Twilio webhooks, signed links) found answering 500.
describe('fuzz regressions: provider webhooks and links', () => {
  const PUBLIC = 'https://nb.example';
  const RESEND_SECRET = newResendWebhookSecret();
  const TWILIO_TOKEN = 'twilio-fuzz-regressions-0123456789ab';
  const links = new LinkSigner('fuzz-regressions-link-secret-0123456789', PUBLIC);
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    const cipher = new PiiCipher('ab'.repeat(32));
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
    app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never, database, temporal, cipher, logger: createLogger('silent'), metrics: createMetrics() },
      { links, signingSecret: 'fuzz-regressions-link-secret-0123456789', publicBaseUrl: PUBLIC, resendWebhookSecret: RESEND_SECRET, twilioAuthToken: TWILIO_TOKEN });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const keptReasons = async (source: string) => (await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.source, source)))
    .map((r) => ({ status: r.status, reason: r.reason as { code: string; errors?: { field: string }[] } }));

  // seed 2, "POST resend [signed random json]" / "[signed drop data]" / "[signed retype created_at]": the handler read event.data of a body that had none.
  it('Resend: a correctly signed body that is not an e-mail event is refused 422 naming the field, and kept', async () => {
    const send = (body: string) => app.inject({ method: 'POST', url: '/v1/webhooks/resend', payload: body,
      headers: { 'content-type': 'application/json', ...signResendWebhook(RESEND_SECRET, body) } });
    const noData = await send(JSON.stringify({ type: 'email.opened', created_at: new Date().toISOString() }));
    expect(noData.statusCode, noData.body).toBe(422);
    expect(noData.json()).toMatchObject({ error: 'invalid_event', errors: [{ field: 'data' }] });
    const badDate = await send(JSON.stringify({ type: 'email.delivered', created_at: 'yesterday', data: { email_id: 're_1', to: ['a@example.com'] } }));
    expect(badDate.statusCode, badDate.body).toBe(422);
    expect(badDate.json()).toMatchObject({ errors: [{ field: 'created_at' }] });
    const nul = await send(JSON.stringify({ type: 'email.bounced', data: { email_id: 're_\u0000', bounce: { type: 'Permanent' } } }));
    expect(nul.statusCode, nul.body).toBe(422);
    expect((await send('null')).statusCode).toBe(422);
    // Other event types are still acknowledged and ignored.
    expect((await send(JSON.stringify({ type: 'contact.created', data: 7 }))).json()).toMatchObject({ status: 'ignored' });
    expect((await keptReasons('resend')).map((r) => [r.status, r.reason.code])).toEqual([[422, 'invalid_event'], [422, 'invalid_event'], [422, 'invalid_event'], [422, 'invalid_event']]);
  });

  // seed 2, "POST twilio/inbound [signed encoding raw-nul]": a %00 in MessageSid failed the delivery-id look-up.
  it('Twilio: a signed callback with a NUL is refused 422 naming the parameter, a JSON body 415, both kept', async () => {
    const url = '/v1/webhooks/twilio/inbound';
    const params = { AccountSid: 'AC1', MessageSid: 'SM\u0000x', From: '+4915100000000', To: '+4930000000', Body: 'STOP' };
    const form = await app.inject({ method: 'POST', url, payload: new URLSearchParams(params).toString(), headers: {
      'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC}${url}`, params) } });
    expect(form.statusCode, form.body).toBe(422);
    expect(form.json()).toMatchObject({ error: 'invalid_callback', errors: [{ field: 'MessageSid', message: expect.stringContaining('NUL') }] });
    const json = { MessageSid: { $ne: null }, MessageStatus: 7 };
    const asJson = await app.inject({ method: 'POST', url: '/v1/webhooks/twilio/status', payload: JSON.stringify(json), headers: {
      'content-type': 'application/json', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC}/v1/webhooks/twilio/status`, json as never) } });
    expect(asJson.statusCode, asJson.body).toBe(415);
    expect((await keptReasons('twilio')).map((r) => [r.status, r.reason.code])).toEqual([[422, 'invalid_callback'], [415, 'unsupported_media_type']]);
  });

  // seed 2 "GET /l/c [signed-hostile encoding latin1]" and seed 3 "[signed-hostile content kind,dispatchId,...]".
  it('links: a signed click URL outside ASCII redirects percent-encoded; a signed dispatch id with a NUL is a 400 page', async () => {
    const click = await app.inject({ method: 'GET', url: `/l/c?t=${links.sign({ kind: 'click', dispatchId: 'd-none', url: 'https://shop.example/Grüße ☕?q=\ufffd' })}` });
    expect(click.statusCode, click.body).toBe(302);
    expect(click.headers.location).toBe('https://shop.example/Gr%C3%BC%C3%9Fe%20%E2%98%95?q=%EF%BF%BD');
    const script = await app.inject({ method: 'GET', url: `/l/c?t=${links.sign({ kind: 'click', dispatchId: 'd-none', url: 'javascript:alert(1)' })}` });
    expect(script.statusCode).toBe(400);
    for (const [method, path] of [['GET', '/l/u'], ['POST', '/l/u']] as const) {
      const nul = await app.inject({ method, url: `${path}?t=${links.sign({ kind: 'unsubscribe', dispatchId: 'd-\u0000', channel: 'email' })}`,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' } : {}) });
      expect(nul.statusCode, nul.body).toBe(400);
      expect(nul.body).toContain('not valid');
    }
    const nulClick = await app.inject({ method: 'GET', url: `/l/c?t=${links.sign({ kind: 'click', dispatchId: 'd-\u0000', url: 'https://shop.example/' })}` });
    expect(nulClick.statusCode).toBe(400);
  });
});

describe('fuzz: provider webhooks and links (small run of the fuzz command\'s channel targets)', () => {
  it('answers every hostile webhook and link below 500, and keeps each refused delivery with its reason', async () => {
    const database = await createTestDatabase();
    try {
      const report = await runFuzz({ adapterCases: 0, apiCases: 0, webhookCases: 600, linkCases: 400, seed: 42, database });
      expect(report.failures).toEqual([]);
      expect(report.webhookCases + report.linkCases).toBe(1000);
      expect(report.refused).toBeGreaterThan(100);
      expect(fuzzOk(report)).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);
});
