import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/app.ts';
import { ResendSender } from '../../channels/resend.ts';
import { TwilioSmsSender } from '../../channels/twilio.ts';
import { dispatches, journeys } from '../../db/schema.ts';
import { applyEvent } from '../../ingest/entry.ts';
import { routeEvent } from '../../journeys/router.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { journeyStatusQuery } from '../../workflows/signals.ts';
import type { JourneyResult, JourneyStatusView } from '../../workflows/types.ts';
import { FakeResend } from '../fakes/resend.ts';
import { FakeTwilio } from '../fakes/twilio.ts';
import { placeOrder, seedJourneyShop, zoneWithLocalHour } from '../journey-fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../temporal.ts';

// A real cart-abandon journey (time-skipping Temporal, real activities, database and dev outbox) for a
// customer whose e-mail address and phone number are known: neither may appear in anything logged (our
// logger and the Temporal SDK's, at trace level), in any workflow history or in search attributes.

const EMAIL = 'Priya.Private+VIP@Example.COM';
const PHONE = '+4917098765432';
/** The address and number as they could leak: as given, normalised, URL-encoded, local part, digits. */
const FORMS = [EMAIL, EMAIL.toLowerCase(), encodeURIComponent(EMAIL), encodeURIComponent(EMAIL.toLowerCase()), 'priya.private', PHONE, PHONE.slice(1), encodeURIComponent(PHONE)];
const HOUR = 3_600_000;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * JSON with every byte payload (Temporal's Payload.data of inputs, results, signals, markers, memo and
 * search attributes, whether bytes or their base64 form) decoded to UTF-8 text beside it.
 */
const readable = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => {
  if (typeof v === 'string' && v.length >= 8 && BASE64.test(v)) return `${v} ${Buffer.from(v, 'base64').toString('utf8')}`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('utf8');
  }
  return typeof v === 'bigint' ? v.toString() : v;
});

describe('PII stays out of logs, workflow histories and search attributes', () => {
  let h: JourneyHarness;
  let api: FastifyInstance;
  let resend: FakeResend;
  let twilio: FakeTwilio;
  const logged: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString('utf8'));
      done();
    } });
    const logger = createLogger('trace', sink);
    h = await createJourneyHarness({ logger });
    resend = await new FakeResend().start();
    twilio = await new FakeTwilio().start();
    api = buildApi({ config: { TEMPORAL_TASK_QUEUE: h.taskQueue, JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never,
      database: h.database, temporal: h.env.client, cipher: h.deps.cipher, logger, metrics: createMetrics() });
    await api.ready();
  });
  afterAll(async () => {
    await api?.close();
    await resend?.stop();
    await twilio?.stop();
    await h?.close();
  });

  it('runs a cart-abandon journey to a sent e-mail and a conversion without the address or number leaking', { timeout: 180_000 }, async () => {
    const shopId = await seedJourneyShop(h, 'pii');
    const userId = 'u-pii';
    const serverNow = async () => new Date(await h.env.currentTimeMs());
    const timezone = zoneWithLocalHour(new Date((await serverNow()).getTime() + HOUR), 10, 14);
    const ingestKey = await createApiKey(h.database.db, shopId, ['ingest']);
    const adminKey = await createApiKey(h.database.db, shopId, ['admin']);

    // The customer arrives through the HTTP API with their contact details and consent.
    const identified = await api.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${ingestKey}` }, payload: {
      type: 'customer_updated', eventId: 'pii-identify', occurredAt: (await serverNow()).toISOString(), customer: { userId, email: EMAIL, phone: PHONE, timezone },
      consents: [{ channel: 'email', granted: true }, { channel: 'sms', granted: true }],
    } });
    expect(identified.statusCode, identified.body).toBe(202);
    // An event refused for a wrong field is logged and kept: its contact details must not be logged either.
    const refused = await api.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${ingestKey}` }, payload: {
      type: 'customer_updated', eventId: 'pii-bad', occurredAt: 'not a date', customer: { userId, email: EMAIL, phone: PHONE } } });
    expect(refused.statusCode).toBe(422);
    const exported = await api.inject({ method: 'GET', url: `/v1/privacy/customers/by-email?email=${encodeURIComponent(EMAIL)}`, headers: { authorization: `Bearer ${adminKey}` } });
    expect(exported.statusCode).toBe(200);

    // The cart, with the e-mail address on the event as a storefront would send it.
    const effect = await applyEvent(h.deps, shopId, 'api', { type: 'cart_updated', eventId: 'pii-cart-1', occurredAt: (await serverNow()).toISOString(),
      customer: { userId, email: EMAIL }, cartId: 'cart-pii', currency: 'EUR', items: [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }, { productId: 'p-kettle', quantity: 1, priceMinor: 5900 }] });
    if (effect.duplicate) throw new Error('the cart event was taken for a duplicate');
    const { customerId } = effect;
    const [id] = await routeEvent(h.client, shopId, 'api', effect);
    expect(id).toMatch(/^cart-abandon:/);

    const result = await h.withWorker(async () => {
      const handle = h.env.client.workflow.getHandle(id!);
      const deadline = (await h.env.currentTimeMs()) + 3 * 24 * HOUR;
      let status: JourneyStatusView | null = null;
      while (!status?.sent.length) {
        if ((await h.env.currentTimeMs()) > deadline) throw new Error(`no message sent; last status ${JSON.stringify(status)}`);
        status = await handle.query(journeyStatusQuery).catch(() => null);
        const next = status?.nextStepAt ? Date.parse(status.nextStepAt) - (await h.env.currentTimeMs()) + 1000 : 60_000;
        if (!status?.sent.length) await h.env.sleep(Math.min(Math.max(next, 1000), 6 * HOUR));
      }
      await placeOrder(h, shopId, userId, 'o-pii', ['p-mug'], await serverNow());
      const done = (await handle.result()) as JourneyResult;
      // End what the order started (a cross-sell journey) while the worker still runs.
      for (const row of await h.database.db.select().from(journeys).where(eq(journeys.status, 'running'))) {
        await h.env.client.workflow.getHandle(row.workflowId).terminate('test finished').catch(() => {});
      }
      return done;
    }, {
      email: new ResendSender({ apiKey: resend.apiKey, from: 'shop@tea.example', baseUrl: resend.url, ratePerSecond: 1000 }),
      sms: new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, smsFrom: '+15005550006', baseUrl: twilio.url, statusCallbackUrl: 'https://nb.example/v1/webhooks/twilio/status', ratePerSecond: 1000 }),
    });
    expect(result).toMatchObject({ outcome: 'converted' });
    const [sent] = await h.database.db.select().from(dispatches).where(eq(dispatches.workflowId, id!));
    expect(sent?.status).toBe('sent');
    // The contact did travel, to the provider (a local Resend or Twilio, whichever channel was chosen).
    const delivered = [...resend.emails.map((e) => e.to.join(',').toLowerCase()), ...twilio.messages.map((m) => m.to)];
    expect(delivered).toEqual([sent!.channel === 'email' ? EMAIL.toLowerCase() : PHONE]);

    // Everything Temporal holds about every journey of the shop: histories, descriptions, search attributes.
    const ids = (await h.database.db.select({ id: journeys.workflowId }).from(journeys).where(eq(journeys.shopId, shopId))).map((r) => r.id);
    expect(ids).toContain(id);
    const temporal: string[] = [];
    for (const workflowId of ids) {
      const handle = h.env.client.workflow.getHandle(workflowId);
      const history = await handle.fetchHistory();
      expect(history.events?.length).toBeGreaterThan(workflowId === id ? 10 : 2);
      const description = await handle.describe();
      temporal.push(readable(history), readable(description.raw), readable(description.searchAttributes), readable(description.typedSearchAttributes), readable(description.memo ?? null));
    }
    const histories = temporal.join('\n');
    expect(histories).toContain(id);
    expect(histories).toContain('NbCustomer');
    // Payloads were decoded (the workflow input names the customer by key), so a contact there would show.
    expect(histories).toContain(`\\"customerId\\":\\"${customerId}\\"`);

    const logs = logged.join('');
    // The capture works: the journey's dispatch and the SDK's own lines were logged.
    expect(logs).toContain('message sent');
    expect(logs).toContain('temporal-sdk');
    for (const form of FORMS) {
      expect(logs.toLowerCase().includes(form.toLowerCase()), `the logs contain "${form}"`).toBe(false);
      expect(histories.toLowerCase().includes(form.toLowerCase()), `a workflow history, description or search attribute contains "${form}"`).toBe(false);
    }
  });
});
