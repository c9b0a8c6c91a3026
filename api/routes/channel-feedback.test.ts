import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatch } from '../../activities/dispatch.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { loadCustomerContext } from '../../activities/customer-context.ts';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { LinkSigner } from '../../channels/links.ts';
import { ResendSender } from '../../channels/resend.ts';
import { TwilioSmsSender } from '../../channels/twilio.ts';
import type { Database } from '../../db/client.ts';
import { providerEvents, suppressions } from '../../db/schema-channels.ts';
import { decisions, dispatches, journeys, outcomes, products, rejectedPayloads, shops } from '../../db/schema.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../../test/db.ts';
import { FakeResend, newResendWebhookSecret, signResendWebhook } from '../../test/fakes/resend.ts';
import { FakeTwilio } from '../../test/fakes/twilio.ts';
import { seedCustomer, seedShop } from '../../test/fixtures.ts';
import { TEST_PII_KEY, createTimeSkippingEnv } from '../../test/temporal.ts';
import type { Channel, DispatchRequest } from '../../workflows/types.ts';
import { buildApi } from '../app.ts';

const SECRET = 'channel-feedback-link-secret-0123456789';

describe('channel feedback: provider webhooks, STOP/START, signed links, placements', () => {
  let database: Database;
  let env: TestWorkflowEnvironment;
  let app: FastifyInstance;
  let resend: FakeResend;
  let twilio: FakeTwilio;
  let options: ChannelApiOptions;
  let deps: ActivityDeps;
  let dispatch: ReturnType<typeof createDispatch>;
  let shopId: string;
  let base: string;
  const cipher = new PiiCipher(TEST_PII_KEY);
  const webhookSecret = newResendWebhookSecret();

  beforeAll(async () => {
    database = await createTestDatabase();
    env = await createTimeSkippingEnv();
    resend = await new FakeResend().start();
    twilio = await new FakeTwilio().start();
    const logger = createLogger('silent');
    const metrics = createMetrics();
    options = { links: new LinkSigner(SECRET, 'http://placeholder'), signingSecret: SECRET, publicBaseUrl: '', resendWebhookSecret: webhookSecret, twilioAuthToken: twilio.authToken };
    app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never, database, temporal: env.client, cipher, logger, metrics }, options);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    options.publicBaseUrl = base;
    options.links = new LinkSigner(SECRET, base);
    deps = { database, logger, metrics, cipher, outboxDir: '/nonexistent', timeScale: 1, now: () => new Date('2026-06-15T10:00:00Z') };
    dispatch = createDispatch(
      deps,
      {
        email: new ResendSender({ apiKey: resend.apiKey, from: 'shop@tea.example', baseUrl: resend.url, ratePerSecond: 1000 }),
        sms: new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, smsFrom: '+15005550006', baseUrl: twilio.url, statusCallbackUrl: `${base}/v1/webhooks/twilio/status`, ratePerSecond: 1000 }),
      },
      { publicBaseUrl: base, linkSigningSecret: SECRET },
    );
    shopId = await seedShop(database, 'shop-feedback');
    await database.db.update(shops).set({ settings: { storefrontUrl: 'https://tea.example' } }).where(eq(shops.id, shopId));
    await database.db.update(products).set({ url: 'https://tea.example/p/mug' }).where(and(eq(products.shopId, shopId), eq(products.id, 'p-mug')));
  });
  afterAll(async () => {
    await app?.close();
    await resend?.stop();
    await twilio?.stop();
    await env?.teardown();
    await database?.close();
  });

  let n = 0;
  async function sent(channel: Channel) {
    n += 1;
    const phone = `+4917012345${String(n).padStart(3, '0')}`;
    const customerId = await seedCustomer(deps, shopId, { userId: `fb-${n}`, email: `fb${n}@example.com`, phone, timezone: 'Europe/Berlin' }, [{ channel: channel as 'email', granted: true }]);
    const request: DispatchRequest = {
      shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:c${n}`, journey: 'cart-abandon', step: 1,
      decision: { action: 'send', channel, contentType: 'cart_reminder', sendAt: '', discountTier: 0, variant: null, propensities: {}, productIds: ['p-mug'], reason: null },
    };
    const result = await dispatch(request);
    expect(result.status).toBe('sent');
    const [row] = await database.db.select().from(dispatches).where(eq(dispatches.id, result.dispatchId));
    return { customerId, phone, email: `fb${n}@example.com`, dispatch: row! };
  }
  const resendEvent = (type: string, emailId: string, to: string, data: Record<string, unknown> = {}, headers?: Record<string, string>) => {
    const body = JSON.stringify({ type, created_at: '2026-06-15T10:05:00.000Z', data: { email_id: emailId, to: [to], ...data } });
    return fetch(`${base}/v1/webhooks/resend`, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? signResendWebhook(webhookSecret, body)) }, body });
  };
  const outcomeKinds = async (dispatchId: string) => (await database.db.select().from(outcomes).where(eq(outcomes.dispatchId, dispatchId))).map((o) => o.kind).sort();

  it('turns signed Resend webhooks into outcome events once, and refuses a bad signature', async () => {
    const { dispatch: d, email } = await sent('email');
    const delivered = await resendEvent('email.delivered', d.providerMessageId!, email);
    expect(delivered.status).toBe(200);
    const headers = signResendWebhook(webhookSecret, JSON.stringify({ type: 'email.opened', created_at: '2026-06-15T10:05:00.000Z', data: { email_id: d.providerMessageId, to: [email] } }));
    expect(await (await resendEvent('email.opened', d.providerMessageId!, email, {}, headers)).json()).toMatchObject({ status: 'recorded', kind: 'opened' });
    // The same svix-id again (Resend's retry or a replay): acknowledged, not processed, kept as a replay.
    expect(await (await resendEvent('email.opened', d.providerMessageId!, email, {}, headers)).json()).toMatchObject({ status: 'duplicate_delivery' });
    expect(await resendEvent('email.clicked', d.providerMessageId!, email)).toHaveProperty('status', 200);
    expect(await outcomeKinds(d.id)).toEqual(['clicked', 'delivered']); // the open came with the delivery: a machine's
    expect((await database.db.select().from(dispatches).where(eq(dispatches.id, d.id)))[0]?.status).toBe('delivered');

    const forged = await resendEvent('email.complained', d.providerMessageId!, email, {}, signResendWebhook(newResendWebhookSecret(), '{}'));
    expect(forged.status).toBe(401);
    const tamperedHeaders = signResendWebhook(webhookSecret, JSON.stringify({ type: 'email.delivered' }));
    expect((await resendEvent('email.complained', d.providerMessageId!, email, {}, tamperedHeaders)).status).toBe(401);
    expect(await outcomeKinds(d.id)).not.toContain('complained');
    const kept = await database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.source, 'resend'));
    expect(kept.map((r) => [r.status, (r.reason as { code: string }).code])).toEqual([[200, 'replayed'], [401, 'bad_signature'], [401, 'bad_signature']]);
  });

  it('flags an open on landing as a machine open (privacy proxies, scanners), and a later one as a person', async () => {
    const { dispatch: d, email } = await sent('email');
    const at = (type: string, createdAt: string) => {
      const body = JSON.stringify({ type, created_at: createdAt, data: { email_id: d.providerMessageId, to: [email] } });
      return fetch(`${base}/v1/webhooks/resend`, { method: 'POST', headers: { 'content-type': 'application/json', ...signResendWebhook(webhookSecret, body) }, body });
    };
    expect((await at('email.delivered', '2026-06-15T10:01:00.000Z')).status).toBe(200);
    expect((await at('email.opened', '2026-06-15T10:01:12.000Z')).status).toBe(200);
    expect((await at('email.opened', '2026-06-15T11:30:00.000Z')).status).toBe(200);
    const opens = await database.db.select().from(providerEvents).where(and(eq(providerEvents.dispatchId, d.id), eq(providerEvents.kind, 'opened')));
    expect(opens.map((o) => [o.occurredAt.toISOString(), o.detail]).sort()).toEqual([
      ['2026-06-15T10:01:12.000Z', { type: 'email.opened', machineOpen: true }],
      ['2026-06-15T11:30:00.000Z', { type: 'email.opened' }],
    ]);
    // The step's "opened" outcome is the person's open, not the proxy's.
    expect((await database.db.select().from(outcomes).where(and(eq(outcomes.dispatchId, d.id), eq(outcomes.kind, 'opened')))).map((o) => o.occurredAt.toISOString())).toEqual(['2026-06-15T11:30:00.000Z']);
  });

  it('suppresses an address after a hard bounce or a complaint, and withdraws consent on a complaint', async () => {
    const bounced = await sent('email');
    await resendEvent('email.bounced', bounced.dispatch.providerMessageId!, bounced.email, { bounce: { type: 'Permanent', subType: 'General', message: 'mailbox does not exist' } });
    expect((await database.db.select().from(dispatches).where(eq(dispatches.id, bounced.dispatch.id)))[0]?.status).toBe('failed');
    expect(await database.db.select().from(suppressions).where(eq(suppressions.addressHash, cipher.lookupHash(bounced.email)))).toMatchObject([{ reason: 'hard_bounce' }]);

    const soft = await sent('email');
    await resendEvent('email.bounced', soft.dispatch.providerMessageId!, soft.email, { bounce: { type: 'Transient', message: 'mailbox full' } });
    expect(await database.db.select().from(suppressions).where(eq(suppressions.addressHash, cipher.lookupHash(soft.email)))).toEqual([]);

    const complained = await sent('email');
    await resendEvent('email.complained', complained.dispatch.providerMessageId!, complained.email);
    expect(await database.db.select().from(suppressions).where(eq(suppressions.addressHash, cipher.lookupHash(complained.email)))).toMatchObject([{ reason: 'complaint' }]);
    expect((await loadCustomerContext(database.db, shopId, complained.customerId)).consent.email).toBe(false);
  });

  it('verifies Twilio status callbacks by X-Twilio-Signature', async () => {
    const { dispatch: d } = await sent('sms');
    const message = twilio.messages.find((m) => m.sid === d.providerMessageId)!;
    expect(message.statusCallback).toBe(`${base}/v1/webhooks/twilio/status`);
    const forged = await twilio.callback(message.statusCallback!, { MessageSid: message.sid, MessageStatus: 'delivered' }, 'not-the-auth-token');
    expect(forged.status).toBe(403);
    expect((await database.db.select().from(dispatches).where(eq(dispatches.id, d.id)))[0]?.status).toBe('sent');
    expect((await twilio.status(message, 'delivered')).status).toBe(200);
    expect((await database.db.select().from(dispatches).where(eq(dispatches.id, d.id)))[0]?.status).toBe('delivered');
    expect(await outcomeKinds(d.id)).toEqual(['delivered']);
  });

  it('withdraws SMS consent on STOP and grants it again on START', async () => {
    const { customerId, phone } = await sent('sms');
    const inbound = `${base}/v1/webhooks/twilio/inbound`;
    expect((await twilio.inbound(inbound, phone, '+15005550006', ' stop ')).status).toBe(200);
    expect((await loadCustomerContext(database.db, shopId, customerId)).consent.sms).toBe(false);
    const again: DispatchRequest = {
      shopId, customerId, workflowId: `browse-abandon:${shopId}:${customerId}:x`, journey: 'browse-abandon', step: 1,
      decision: { action: 'send', channel: 'sms', contentType: 'browse_reminder', sendAt: '', discountTier: 0, variant: null, propensities: {}, productIds: ['p-mug'], reason: null },
    };
    expect(await dispatch(again)).toMatchObject({ status: 'failed', reason: 'consent_withdrawn' });
    await twilio.inbound(inbound, phone, '+15005550006', 'START');
    expect((await loadCustomerContext(database.db, shopId, customerId)).consent.sms).toBe(true);
    expect((await twilio.callback(inbound, { From: phone, Body: 'STOP' }, 'wrong-token')).status).toBe(403);
    expect((await loadCustomerContext(database.db, shopId, customerId)).consent.sms).toBe(true);
  });

  it('opens the WhatsApp service window when the customer writes', async () => {
    const { customerId, phone } = await sent('sms');
    await twilio.inbound(`${base}/v1/webhooks/twilio/inbound`, `whatsapp:${phone}`, 'whatsapp:+14155238886', 'Is the mug dishwasher safe?');
    const events = await database.db.select().from(providerEvents).where(and(eq(providerEvents.customerId, customerId), eq(providerEvents.channel, 'whatsapp')));
    expect(events.map((e) => e.kind)).toContain('inbound');
  });

  it('credits signed clicks, refuses altered links, and unsubscribes only by POST (RFC 8058 one-click)', async () => {
    const { dispatch: d, customerId } = await sent('email');
    const email = resend.emails.find((e) => e.id === d.providerMessageId)!;
    const click = email.text!.match(new RegExp(`${base}/l/c\\?t=\\S+`))![0];
    const response = await fetch(click, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^https:\/\/tea\.example/);
    expect(await outcomeKinds(d.id)).toContain('clicked');
    // The MAC's first character changed (its last two decode to the same bytes for a few values: a flake).
    const altered = click.replace(/\.([A-Za-z0-9_-]+)$/, (_m, mac: string) => `.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`);
    expect((await fetch(altered, { redirect: 'manual' })).status).toBe(400);

    const unsubscribe = email.headers['List-Unsubscribe']!.slice(1, -1);
    const page = await fetch(unsubscribe);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await loadCustomerContext(database.db, shopId, customerId)).consent.email).toBe(true);
    const oneClick = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect((await loadCustomerContext(database.db, shopId, customerId)).consent.email).toBe(false);
    expect(await outcomeKinds(d.id)).toContain('unsubscribed');
  });

  it('serves the current placements for an in-app banner with prices resolved now', async () => {
    const { customerId } = await sent('email');
    const workflowId = `browse-abandon:${shopId}:${customerId}:banner`;
    await database.db.insert(journeys).values({ workflowId, shopId, customerId, journey: 'browse-abandon', triggerKey: 'banner' });
    await database.db.insert(decisions).values({ shopId, customerId, workflowId, step: 1, decision: { action: 'send', channel: 'email', contentType: 'browse_reminder', sendAt: '', discountTier: 15, variant: null, propensities: {}, productIds: ['p-mug', 'p-gone'], reason: null } });
    const key = await createApiKey(database.db, shopId, ['read']);
    const response = await fetch(`${base}/v1/placements/${customerId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { placements: { products: { productId: string; price: string; url: string }[]; offer: { percent: number; code: string } }[] };
    expect(body.placements).toHaveLength(1);
    expect(body.placements[0]!.products.map((p) => p.productId)).toEqual(['p-mug']);
    expect(body.placements[0]!.products[0]!.price).toBe('€18.00');
    expect(options.links.verifyUrl(body.placements[0]!.products[0]!.url)).toMatchObject({ kind: 'click', url: 'https://tea.example/p/mug' });
    expect(body.placements[0]!.offer).toMatchObject({ percent: 15, code: expect.stringMatching(/^SAVE15-/) });
    expect((await fetch(`${base}/v1/placements/${customerId}`)).status).toBe(401);
  });
});
