import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { LinkSigner } from '../../channels/links.ts';
import type { Database } from '../../db/client.ts';
import { providerEvents } from '../../db/schema-channels.ts';
import { consents, dispatches, orders, outcomes, rejectedPayloads } from '../../db/schema.ts';
import { pendingRejections, replayRejected } from '../../ingest/replay.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { shopifyOrder, wooOrder } from '../../ingest/test-payloads.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../db.ts';
import { newResendWebhookSecret, signResendWebhook } from '../fakes/resend.ts';
import { seedCustomer, seedShop } from '../fixtures.ts';

// Signed webhooks with a replay window, provider by provider: a valid delivery is processed, a wrong
// signature is refused, a stale one is refused, and the same delivery again is acknowledged without
// being processed. Every refusal and replay is kept in rejected_payloads with its reason.

const SHOPIFY_SECRET = 'shpss_replay_0123456789abcdef';
const WOO_SECRET = 'wc_replay_secret_0123456789';
const RESEND_SECRET = newResendWebhookSecret();
const TWILIO_TOKEN = 'twilio-replay-auth-token-0123456789ab';
const PUBLIC = 'https://nb.example';
const HOUR = 3_600_000;

describe('webhook replay window', () => {
  let database: Database;
  let app: FastifyInstance;
  let shopId: string;
  let customerId: string;
  const cipher = new PiiCipher('ef'.repeat(32));

  beforeAll(async () => {
    database = await createTestDatabase();
    shopId = await seedShop(database, 'shop-replay');
    await seedShop(database, 'shop-other');
    await setSourceSecret(database.db, cipher, shopId, 'shopify', SHOPIFY_SECRET, 'replay.myshopify.com');
    await setSourceSecret(database.db, cipher, 'shop-other', 'shopify', SHOPIFY_SECRET, 'other.myshopify.com');
    await setSourceSecret(database.db, cipher, shopId, 'woocommerce', WOO_SECRET);
    customerId = await seedCustomer({ database, cipher }, shopId, { userId: 'replay-1', email: 'rita.replay@example.com', phone: '+4915112345678' },
      [{ channel: 'email', granted: true }, { channel: 'sms', granted: true }]);
    for (const [id, provider, message, channel] of [['dsp-re', 'resend', 're_msg_1', 'email'], ['dsp-tw', 'twilio', 'SM0123456789abcdef0123456789abcdef', 'sms']] as const) {
      await database.db.insert(dispatches).values({ id, idempotencyKey: id, shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:${id}`, step: 1,
        channel, contentType: 'cart_reminder', status: 'sent', provider, providerMessageId: message, sentAt: new Date(Date.now() - 3_600_000) }); // sent an hour ago: an open now is a person's, not a machine's on landing
    }
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
    app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never, database, temporal, cipher, logger: createLogger('silent'), metrics: createMetrics() },
      { links: new LinkSigner('replay-link-secret-0123456789abcdef', PUBLIC), signingSecret: 'replay-link-secret-0123456789abcdef', publicBaseUrl: PUBLIC, resendWebhookSecret: RESEND_SECRET, twilioAuthToken: TWILIO_TOKEN });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const kept = async (source: string) => (await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.source, source)))
    .map((r) => ({ status: r.status, code: (r.reason as { code: string }).code }));
  const orderCount = async (shop: string) => (await database.db.select().from(orders).where(eq(orders.shopId, shop))).length;

  it('Shopify: valid once, wrong signature 401, triggered over 24 h ago 401, same X-Shopify-Webhook-Id acknowledged and not processed', async () => {
    const send = (body: unknown, headers: Record<string, string>, shop = shopId) => {
      const raw = JSON.stringify(body);
      return app.inject({ method: 'POST', url: `/v1/webhooks/shopify/${shop}`, payload: raw, headers: {
        'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': 'replay.myshopify.com', 'x-shopify-api-version': '2024-10',
        'x-shopify-hmac-sha256': signBase64Hmac(SHOPIFY_SECRET, raw), ...headers,
      } });
    };
    const body = (id: number) => shopifyOrder({ id, customerId: 9101, email: 'sam.shopper@example.com', createdAt: new Date().toISOString(),
      lines: [{ productId: 501, variantId: 5011, quantity: 1, price: '19.99' }] });
    const now = () => new Date().toISOString();

    const valid = await send(body(820001), { 'x-shopify-webhook-id': 'b54557e4-0001', 'x-shopify-triggered-at': now() });
    expect(valid.statusCode, valid.body).toBe(200);
    expect(valid.json()).toMatchObject({ status: 'accepted' });
    expect(await orderCount(shopId)).toBe(1);

    const forged = await send(body(820002), { 'x-shopify-webhook-id': 'b54557e4-0002', 'x-shopify-triggered-at': now(), 'x-shopify-hmac-sha256': signBase64Hmac('not-the-secret', JSON.stringify(body(820002))) });
    expect(forged.statusCode).toBe(401);

    const stale = await send(body(820003), { 'x-shopify-webhook-id': 'b54557e4-0003', 'x-shopify-triggered-at': new Date(Date.now() - 25 * HOUR).toISOString() });
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ error: 'stale_delivery', message: expect.stringContaining('24 hours') });
    const garbled = await send(body(820004), { 'x-shopify-webhook-id': 'b54557e4-0004', 'x-shopify-triggered-at': 'yesterday-ish' });
    expect(garbled.statusCode).toBe(401);
    expect(garbled.json()).toMatchObject({ error: 'bad_timestamp' });
    // A Shopify retry within its 4-hour schedule is still fresh.
    const retried = await send(body(820005), { 'x-shopify-webhook-id': 'b54557e4-0005', 'x-shopify-triggered-at': new Date(Date.now() - 4 * HOUR).toISOString() });
    expect(retried.statusCode).toBe(200);
    expect(await orderCount(shopId)).toBe(2);

    // The same webhook id with a different (validly signed) body: not processed.
    const replay = await send(body(820006), { 'x-shopify-webhook-id': 'b54557e4-0001', 'x-shopify-triggered-at': now() });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'duplicate_delivery' });
    expect(await orderCount(shopId)).toBe(2);
    // Ids are per shop: another shop's delivery with that id is its own.
    expect((await send(body(820007), { 'x-shopify-webhook-id': 'b54557e4-0001', 'x-shopify-triggered-at': now() }, 'shop-other')).json()).toMatchObject({ status: 'accepted' });

    // An absurdly long id (headers are not signed) is still remembered, by its hash.
    const longId = randomBytes(3000).toString('hex');
    expect((await send(body(820008), { 'x-shopify-webhook-id': longId, 'x-shopify-triggered-at': now() })).json()).toMatchObject({ status: 'accepted' });
    expect((await send(body(820009), { 'x-shopify-webhook-id': longId, 'x-shopify-triggered-at': now() })).json()).toMatchObject({ status: 'duplicate_delivery' });
    expect(await orderCount(shopId)).toBe(3);

    // The kept replay is not something to replay later: processing it is what was refused.
    const [replayRow] = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.source, 'shopify'), eq(rejectedPayloads.status, 200)));
    expect(await replayRejected({ database, cipher }, replayRow!, { trustUnsigned: true })).toMatchObject({ status: 'skipped', detail: expect.stringContaining('not processed') });
    expect((await pendingRejections({ database, cipher }, { source: 'shopify' })).map((r) => r.status)).toEqual([401, 401, 401]);
    expect(await orderCount(shopId)).toBe(3);
    expect(await kept('shopify')).toEqual([
      { status: 401, code: 'bad_signature' }, { status: 401, code: 'stale_delivery' }, { status: 401, code: 'bad_timestamp' }, { status: 200, code: 'replayed' }, { status: 200, code: 'replayed' },
    ]);
  });

  it('WooCommerce: valid once, wrong signature 401, same X-WC-Webhook-Delivery-ID acknowledged and not processed', async () => {
    const before = await orderCount(shopId);
    const send = (id: number, delivery: string, secret = WOO_SECRET) => {
      const raw = JSON.stringify(wooOrder({ id, customerId: 77, email: 'wanda.woo@example.com', status: 'processing', created: '2026-05-01T10:00:00', modified: '2026-05-01T10:00:05',
        paid: '2026-05-01T10:00:04', currency: 'EUR', total: '19.99', lines: [{ productId: 301, quantity: 1, price: 19.99 }] }));
      return app.inject({ method: 'POST', url: `/v1/webhooks/woocommerce/${shopId}`, payload: raw, headers: {
        'content-type': 'application/json', 'user-agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)', 'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-source': 'https://shop.example.com/', 'x-wc-webhook-id': '12', 'x-wc-webhook-delivery-id': delivery, 'x-wc-webhook-signature': signBase64Hmac(secret, raw),
      } });
    };
    expect((await send(9001, 'a1b2c3d4e5')).json()).toMatchObject({ status: 'accepted' });
    expect((await send(9002, 'a1b2c3d4e6', 'wrong-secret')).statusCode).toBe(401);
    const replay = await send(9003, 'a1b2c3d4e5');
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'duplicate_delivery', message: expect.stringContaining('X-WC-Webhook-Delivery-ID a1b2c3d4e5') });
    expect(await orderCount(shopId)).toBe(before + 1);
    expect(await kept('woocommerce')).toEqual([{ status: 401, code: 'bad_signature' }, { status: 200, code: 'replayed' }]);
  });

  it('Resend: valid once, wrong signature 401, svix-timestamp over 5 minutes off 401, same svix-id acknowledged and not processed', async () => {
    const send = (type: string, headers: (raw: string) => Record<string, string>) => {
      const raw = JSON.stringify({ type, created_at: new Date().toISOString(), data: { email_id: 're_msg_1', from: 'shop@tea.example', to: ['rita.replay@example.com'], subject: 'Your cart' } });
      return app.inject({ method: 'POST', url: '/v1/webhooks/resend', payload: raw, headers: { 'content-type': 'application/json', ...headers(raw) } });
    };
    const seconds = (ms: number) => Math.floor((Date.now() + ms) / 1000);
    const opened = await send('email.opened', (raw) => signResendWebhook(RESEND_SECRET, raw, 'msg_2pQ1open'));
    expect(opened.json()).toMatchObject({ status: 'recorded', kind: 'opened' });
    expect((await send('email.clicked', (raw) => signResendWebhook(newResendWebhookSecret(), raw, 'msg_2pQ1forged'))).statusCode).toBe(401);
    const stale = await send('email.clicked', (raw) => signResendWebhook(RESEND_SECRET, raw, 'msg_2pQ1stale', seconds(-6 * 60_000)));
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ error: 'stale_delivery' });
    expect((await send('email.clicked', (raw) => signResendWebhook(RESEND_SECRET, raw, 'msg_2pQ1future', seconds(6 * 60_000)))).statusCode).toBe(401);
    expect((await send('email.clicked', (raw) => signResendWebhook(RESEND_SECRET, raw, 'msg_2pQ1skew', seconds(-4 * 60_000)))).json()).toMatchObject({ status: 'recorded', kind: 'clicked' });
    // The same svix-id, even with another event type signed correctly: acknowledged, not processed.
    const replay = await send('email.complained', (raw) => signResendWebhook(RESEND_SECRET, raw, 'msg_2pQ1open'));
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'duplicate_delivery' });
    const kinds = (await database.db.select().from(outcomes).where(eq(outcomes.dispatchId, 'dsp-re'))).map((o) => o.kind).sort();
    expect(kinds).toEqual(['clicked', 'opened']);
    expect(await kept('resend')).toEqual([{ status: 401, code: 'bad_signature' }, { status: 401, code: 'stale_delivery' }, { status: 401, code: 'stale_delivery' }, { status: 200, code: 'replayed' }]);
  });

  it('Twilio: valid once, wrong signature 403, same MessageSid+MessageStatus (or inbound MessageSid) acknowledged and not processed', async () => {
    const post = (path: string, params: Record<string, string>, token = TWILIO_TOKEN) => app.inject({
      method: 'POST', url: path, payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, `${PUBLIC}${path}`, params) },
    });
    const status = (s: string) => ({ AccountSid: 'AC0123456789abcdef0123456789abcdef', MessageSid: 'SM0123456789abcdef0123456789abcdef', SmsSid: 'SM0123456789abcdef0123456789abcdef',
      MessageStatus: s, SmsStatus: s, To: '+4915112345678', From: '+15005550006', ApiVersion: '2010-04-01' });
    expect((await post('/v1/webhooks/twilio/status', status('delivered'))).json()).toMatchObject({ status: 'recorded', kind: 'delivered' });
    expect((await post('/v1/webhooks/twilio/status', status('undelivered'), 'wrong-token-0123456789')).statusCode).toBe(403);
    const replay = await post('/v1/webhooks/twilio/status', status('delivered'));
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'duplicate_delivery' });
    // A later status of the same message is a new delivery.
    expect((await post('/v1/webhooks/twilio/status', status('read'))).statusCode).toBe(200);
    expect((await database.db.select().from(providerEvents).where(eq(providerEvents.dispatchId, 'dsp-tw'))).map((e) => e.detail)).toEqual([{ status: 'delivered' }, { status: 'read' }]);

    const inbound = (sid: string, body: string) => ({ AccountSid: 'AC0123456789abcdef0123456789abcdef', MessageSid: sid, From: '+4915112345678', To: '+15005550006', Body: body, NumMedia: '0', ApiVersion: '2010-04-01' });
    expect((await post('/v1/webhooks/twilio/inbound', inbound('SMinbound000000000000000000000001', 'STOP'))).statusCode).toBe(200);
    expect((await post('/v1/webhooks/twilio/inbound', inbound('SMinbound000000000000000000000002', 'START'))).statusCode).toBe(200);
    // Replaying the old STOP must not withdraw the consent the customer renewed since.
    const replayedStop = await post('/v1/webhooks/twilio/inbound', inbound('SMinbound000000000000000000000001', 'STOP'));
    expect(replayedStop.statusCode).toBe(200);
    const smsConsents = await database.db.select().from(consents).where(and(eq(consents.customerId, customerId), eq(consents.channel, 'sms')));
    expect(smsConsents.map((c) => c.granted)).toEqual([true, false, true]);
    expect(await kept('twilio')).toEqual([{ status: 403, code: 'bad_signature' }, { status: 200, code: 'replayed' }, { status: 200, code: 'replayed' }]);
  });
});
