import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError } from '../channels/errors.ts';
import { LinkSigner } from '../channels/links.ts';
import { ResendSender } from '../channels/resend.ts';
import { TwilioSmsSender, TwilioWhatsAppSender } from '../channels/twilio.ts';
import type { Database } from '../db/client.ts';
import { dispatchAttempts, providerEvents, suppressions } from '../db/schema-channels.ts';
import { consents, dispatches, products, shops } from '../db/schema.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { FakeResend } from '../test/fakes/resend.ts';
import { FakeTwilio } from '../test/fakes/twilio.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import type { Channel, Decision, DispatchRequest } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';
import { createDispatch, dispatchIdFor, dispatchKey } from './dispatch.ts';

const SECRET = 'link-secret-for-tests-0123456789abcdef';
const BASE = 'https://nb.example';

describe('dispatch (real database, real SDKs against local provider fakes)', () => {
  let database: Database;
  let deps: ActivityDeps;
  let resend: FakeResend;
  let twilio: FakeTwilio;
  let dispatch: ReturnType<typeof createDispatch>;
  let shopId: string;
  let clock = new Date('2026-06-15T10:00:00Z'); // 12:00 in Berlin
  const links = new LinkSigner(SECRET, BASE);

  beforeAll(async () => {
    database = await createTestDatabase();
    deps = { database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher(TEST_PII_KEY), outboxDir: '/nonexistent', timeScale: 1, now: () => clock };
    resend = await new FakeResend().start();
    twilio = await new FakeTwilio().start();
    twilio.templates.set('HXcart00000000000000000000000000', 'approved');
    const twilioOptions = { accountSid: twilio.accountSid, authToken: twilio.authToken, smsFrom: '+15005550006', whatsappFrom: '+14155238886', baseUrl: twilio.url, ratePerSecond: 1000 };
    dispatch = createDispatch(
      deps,
      {
        email: new ResendSender({ apiKey: resend.apiKey, from: 'Tea & Co <hello@tea.example>', baseUrl: resend.url, ratePerSecond: 1000 }),
        sms: new TwilioSmsSender(twilioOptions),
        whatsapp: new TwilioWhatsAppSender(twilioOptions),
      },
      { publicBaseUrl: BASE, linkSigningSecret: SECRET },
    );
    shopId = await seedShop(database, 'shop-dispatch');
    await database.db.update(shops).set({ name: 'Tea & Co', settings: { storefrontUrl: 'https://tea.example', whatsappTemplates: { cart_reminder: 'HXcart00000000000000000000000000' } } }).where(eq(shops.id, shopId));
    await database.db.update(products).set({ url: 'https://tea.example/p/mug' }).where(and(eq(products.shopId, shopId), eq(products.id, 'p-mug')));
  });
  afterAll(async () => {
    await resend?.stop();
    await twilio?.stop();
    await database?.close();
  });

  let n = 0;
  async function customer(opts: { email?: string; phone?: string; channels?: Channel[]; timezone?: string } = {}) {
    n += 1;
    const channels = opts.channels ?? ['email'];
    return seedCustomer(deps, shopId, { userId: `d-${n}-${Math.random()}`, email: opts.email ?? `buyer${n}@example.com`, timezone: opts.timezone ?? 'Europe/Berlin', ...(opts.phone ? { phone: opts.phone } : {}) },
      channels.map((channel) => ({ channel: channel as 'email', granted: true })));
  }
  const request = (customerId: string, channel: Channel, over: Partial<Decision> = {}, workflowId = `cart-abandon:${shopId}:${customerId}:${Math.random()}`): DispatchRequest => ({
    shopId, customerId, workflowId, journey: 'cart-abandon', step: 1,
    decision: { action: 'send', channel, contentType: 'cart_reminder', sendAt: clock.toISOString(), discountTier: 0, variant: null, propensities: {}, productIds: ['p-mug', 'p-kettle', 'p-gone'], reason: null, ...over },
  });
  const ledger = async (dispatchId: string) => (await database.db.select().from(dispatches).where(eq(dispatches.id, dispatchId)))[0];

  it('sends once when two attempts of one message run at the same time (the second waits for the first)', async () => {
    const phone = '+4917011122233';
    const customerId = await customer({ phone, channels: ['sms'] });
    const twilioSms = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, smsFrom: '+15005550006', baseUrl: twilio.url, ratePerSecond: 1000 });
    // A provider that takes a while: the second attempt starts while the first is inside send().
    const slow = createDispatch(deps, { sms: { provider: twilioSms.provider, ratePerSecond: 1000, send: async (m) => {
      await new Promise((r) => setTimeout(r, 300));
      return twilioSms.send(m);
    }, findEarlierSend: (m, at) => twilioSms.findEarlierSend(m, at) } }, { publicBaseUrl: BASE, linkSigningSecret: SECRET });
    const req = request(customerId, 'sms');
    const first = slow(req);
    await new Promise((r) => setTimeout(r, 100));
    const second = await slow(req).then(() => 'returned', (e: unknown) => e);
    expect(second).toBeInstanceOf(ApplicationFailure);
    expect((second as ApplicationFailure).nonRetryable).toBe(false);
    expect((second as ApplicationFailure).message).toContain('another attempt is sending this message');
    expect(await first).toMatchObject({ status: 'sent' });
    // The retry finds the message sent.
    expect(await slow(req)).toMatchObject({ status: 'sent', dispatchId: (await first).dispatchId });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
  });

  it('lets a retry claim the message at once after an attempt failed retryably', async () => {
    const phone = '+4917011122244';
    const customerId = await customer({ phone, channels: ['sms'] });
    const twilioSms = new TwilioSmsSender({ accountSid: twilio.accountSid, authToken: twilio.authToken, smsFrom: '+15005550006', baseUrl: twilio.url, ratePerSecond: 1000 });
    let down = true;
    const flaky = createDispatch(deps, { sms: { provider: twilioSms.provider, ratePerSecond: 1000, send: async (m) => {
      if (down) throw new SendError('retryable', 'provider answered 503', { provider: twilioSms.provider });
      return twilioSms.send(m);
    }, findEarlierSend: (m, at) => twilioSms.findEarlierSend(m, at) } }, { publicBaseUrl: BASE, linkSigningSecret: SECRET });
    const req = request(customerId, 'sms');
    await expect(flaky(req)).rejects.toBeInstanceOf(ApplicationFailure);
    down = false;
    expect(await flaky(req)).toMatchObject({ status: 'sent' });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
  });

  it('sends an e-mail with resolved prices, signed links, HTML, text and one-click unsubscribe', async () => {
    const customerId = await customer();
    const req = request(customerId, 'email', { discountTier: 10, copyStyle: 'urgent' });
    const result = await dispatch(req);
    expect(result).toMatchObject({ status: 'sent', provider: 'resend', channel: 'email' });
    const email = resend.emails.at(-1)!;
    expect(email.idempotencyKey).toBe(dispatchKey(req.workflowId, 1, 'email'));
    expect(email.subject).toBe('Stoneware mug is still in your cart');
    expect(email.text).toContain('€18.00');
    expect(email.text).toContain('Only 4 left');
    expect(email.text).not.toContain('Sold-out teapot');
    expect(email.html).toMatch(/SAVE10-[2-9A-Z]{8}/);
    const hrefs = [...email.html!.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    const ours = hrefs.filter((h) => h.startsWith(BASE));
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const href of ours) expect(links.verifyUrl(href)).toMatchObject({ dispatchId: result.dispatchId });
    expect(hrefs.filter((h) => h.startsWith('http') && !h.startsWith(BASE))).toEqual([]);
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(links.verifyUrl(email.headers['List-Unsubscribe']!.slice(1, -1))).toEqual({ kind: 'unsubscribe', dispatchId: result.dispatchId, channel: 'email' });
    expect(await ledger(result.dispatchId)).toMatchObject({ status: 'sent', providerMessageId: email.id });
  });

  it('shows related products apart from the cart, resolved at send time, sold-out ones left out', async () => {
    const customerId = await customer();
    const result = await dispatch(request(customerId, 'email', { productIds: ['p-mug'], relatedProductIds: ['p-kettle', 'p-gone'] }));
    expect(result.status).toBe('sent');
    const email = resend.emails.at(-1)!;
    expect(email.text).toMatch(/Cart total: €18\.00[\s\S]*Often bought with these:\n- Gooseneck kettle: €59\.00/);
    expect(email.text).not.toContain('Sold-out teapot');
  });

  /** Links carry their issue second: a retry in a later second once rendered a different message (a second send). */
  const pastTheSecond = () => new Promise((resolve) => setTimeout(resolve, 1_100));

  it('sends once when it crashed between the provider call and the ledger update (e-mail: idempotency key)', async () => {
    const customerId = await customer();
    const req = request(customerId, 'email');
    const first = await dispatch(req);
    // The crash: the provider accepted, the ledger still says reserved and the attempt is unfinished.
    // (The crashed attempt's claim has run out by the time Temporal retries.)
    await database.db.update(dispatches).set({ status: 'reserved', sentAt: null, claimedUntil: new Date(Date.now() - 1000) }).where(eq(dispatches.id, first.dispatchId));
    await database.db.update(dispatchAttempts).set({ result: 'started', finishedAt: null }).where(eq(dispatchAttempts.dispatchId, first.dispatchId));
    await pastTheSecond(); // the retry composes later: its message must still be the very same
    const again = await dispatch(req);
    expect(again).toMatchObject({ status: 'sent', dispatchId: first.dispatchId });
    expect(resend.emails.filter((e) => e.idempotencyKey === dispatchKey(req.workflowId, 1, 'email'))).toHaveLength(1);
    expect(await dispatch(req)).toMatchObject({ status: 'sent' });
    expect(resend.emails.filter((e) => e.idempotencyKey === dispatchKey(req.workflowId, 1, 'email'))).toHaveLength(1);
  });

  it('sends once when it crashed between the provider call and the ledger update (SMS: looks the message up at Twilio)', async () => {
    const phone = '+491511234' + String(1000 + n);
    const customerId = await customer({ phone, channels: ['sms'] });
    const req = request(customerId, 'sms');
    const first = await dispatch(req);
    expect(first).toMatchObject({ status: 'sent', provider: 'twilio' });
    // (The crashed attempt's claim has run out by the time Temporal retries.)
    await database.db.update(dispatches).set({ status: 'reserved', sentAt: null, claimedUntil: new Date(Date.now() - 1000) }).where(eq(dispatches.id, first.dispatchId));
    await database.db.update(dispatchAttempts).set({ result: 'started', finishedAt: null }).where(eq(dispatchAttempts.dispatchId, first.dispatchId));
    await pastTheSecond();
    expect(await dispatch(req)).toMatchObject({ status: 'sent', dispatchId: first.dispatchId });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    expect((await ledger(first.dispatchId))?.providerMessageId).toBe(twilio.messages.find((m) => m.to === phone)?.sid);
  });

  it('retries a 429 through Temporal with the provider delay and then sends exactly once', async () => {
    const customerId = await customer();
    const req = request(customerId, 'email');
    resend.fail({ status: 429, times: 1, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'slow down' }, headers: { 'retry-after': '2' } });
    const error = await dispatch(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ nonRetryable: false, nextRetryDelay: 2000 });
    expect((await ledger(dispatchIdFor(dispatchKey(req.workflowId, 1, 'email'))))?.status).toBe('reserved');
    resend.fail({ status: 500, times: 1, body: { statusCode: 500, name: 'internal_server_error', message: 'down' } });
    expect(await dispatch(req).catch((e: unknown) => e)).toMatchObject({ nonRetryable: false });
    expect(await dispatch(req)).toMatchObject({ status: 'sent' });
    expect(resend.emails.filter((e) => e.idempotencyKey === dispatchKey(req.workflowId, 1, 'email'))).toHaveLength(1);
  });

  it('does not retry an invalid address: suppresses it and tries the next channel', async () => {
    const phone = '+491511235' + String(1000 + n);
    const customerId = await customer({ email: 'broken-address', phone, channels: ['email', 'sms'] });
    const result = await dispatch(request(customerId, 'email'));
    expect(result).toMatchObject({ status: 'sent', channel: 'sms', provider: 'twilio' });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    const hash = deps.cipher.lookupHash('broken-address');
    expect(await database.db.select().from(suppressions).where(eq(suppressions.addressHash, hash))).toMatchObject([{ channel: 'email', reason: 'invalid_address' }]);
    const emails = resend.requests.length;
    expect(await dispatch(request(customerId, 'email', { contentType: 'browse_reminder' }))).toMatchObject({ status: 'failed', reason: 'suppressed' });
    expect(resend.requests).toHaveLength(emails);
  });

  it('lets only one of two journeys racing for the same customer pass the frequency cap', async () => {
    const customerId = await customer();
    const results = await Promise.all([1, 2, 3].map(() => dispatch(request(customerId, 'email'))));
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'frequency_cap')).toHaveLength(2);
    expect(resend.emails.filter((e) => results.some((r) => e.tags.some((t) => t.value === r.dispatchId)))).toHaveLength(1);
    const capped = results.find((r) => r.reason === 'frequency_cap')!;
    expect(Date.parse(capped.retryAt!) - clock.getTime()).toBe(16 * 3_600_000);
    // A day later (outside quiet hours again) the next message may go.
    const later = clock;
    clock = new Date(later.getTime() + 24 * 3_600_000);
    try {
      expect(await dispatch(request(customerId, 'email'))).toMatchObject({ status: 'sent' });
    } finally {
      clock = later;
    }
  });

  it('compresses the frequency cap with JOURNEY_TIME_SCALE like every other journey wait', async () => {
    const scaled = createDispatch({ ...deps, timeScale: 0.001 }, { email: new ResendSender({ apiKey: resend.apiKey, from: 'Tea & Co <hello@tea.example>', baseUrl: resend.url, ratePerSecond: 1000 }) },
      { publicBaseUrl: BASE, linkSigningSecret: SECRET });
    const customerId = await customer();
    expect(await scaled(request(customerId, 'email'))).toMatchObject({ status: 'sent' });
    const capped = await scaled(request(customerId, 'email'));
    expect(capped).toMatchObject({ status: 'failed', reason: 'frequency_cap', detail: expect.stringContaining('one email per 16 h') });
    expect(Date.parse(capped.retryAt!) - clock.getTime()).toBe(Math.round(16 * 3_600_000 * 0.001));
    const later = clock;
    clock = new Date(later.getTime() + 16 * 3_600_000 * 0.001);
    try {
      expect(await scaled(request(customerId, 'email'))).toMatchObject({ status: 'sent' });
    } finally {
      clock = later;
    }
  });

  it('checks consent at the moment of sending', async () => {
    const customerId = await customer();
    await database.db.insert(consents).values({ shopId, customerId, channel: 'email', granted: false, source: 'test', recordedAt: new Date(Date.now() + 1000) });
    const before = resend.requests.length;
    expect(await dispatch(request(customerId, 'email'))).toMatchObject({ status: 'failed', reason: 'consent_withdrawn' });
    expect(resend.requests).toHaveLength(before);
  });

  it.each([
    ['late evening, before midnight', 'Europe/Berlin', '2026-06-15T20:30:00Z', '2026-06-16T06:00:00Z'],
    ['after midnight', 'Asia/Tokyo', '2026-06-15T15:10:00Z', '2026-06-15T23:00:00Z'],
    ['the night clocks spring forward', 'Europe/Berlin', '2026-03-29T00:30:00Z', '2026-03-29T06:00:00Z'],
    ['the night clocks fall back', 'America/New_York', '2026-11-01T05:30:00Z', '2026-11-01T13:00:00Z'],
  ])('holds a message in quiet hours (%s) until 08:00 local', async (_name, timezone, at, until) => {
    const customerId = await customer({ timezone });
    const saved = clock;
    clock = new Date(at);
    try {
      const before = resend.requests.length;
      expect(await dispatch(request(customerId, 'email'))).toMatchObject({ status: 'failed', reason: 'quiet_hours', retryAt: new Date(until).toISOString() });
      expect(resend.requests).toHaveLength(before);
    } finally {
      clock = saved;
    }
  });

  it('never sends a message that cannot be rendered completely', async () => {
    const customerId = await customer();
    expect(await dispatch(request(customerId, 'email', { contentType: 'no_such_template' }))).toMatchObject({ status: 'failed', reason: 'render_error' });
    expect(await dispatch(request(customerId, 'email', { productIds: ['p-gone'], contentType: 'browse_reminder' }))).toMatchObject({ status: 'failed', reason: 'out_of_stock' });
  });

  it('sends WhatsApp free-form inside the 24-hour window and the approved template outside it', async () => {
    const phone = '+491511236' + String(1000 + n);
    const customerId = await customer({ phone, channels: ['whatsapp'] });
    expect(await dispatch(request(customerId, 'whatsapp'))).toMatchObject({ status: 'sent' });
    expect(twilio.messages.at(-1)).toMatchObject({ to: `whatsapp:${phone}`, contentSid: 'HXcart00000000000000000000000000' });
    expect(JSON.parse(twilio.messages.at(-1)!.contentVariables!)).toMatchObject({ '1': 'Tea & Co', '2': 'Stoneware mug' });

    const other = '+491511237' + String(1000 + n);
    const inWindow = await customer({ phone: other, channels: ['whatsapp'] });
    await database.db.insert(providerEvents).values({ shopId, provider: 'twilio', providerEventId: `in-${other}`, customerId: inWindow, channel: 'whatsapp', kind: 'inbound', occurredAt: new Date(clock.getTime() - 3_600_000) });
    expect(await dispatch(request(inWindow, 'whatsapp'))).toMatchObject({ status: 'sent' });
    expect(twilio.messages.at(-1)).toMatchObject({ to: `whatsapp:${other}`, contentSid: null });
    expect(twilio.messages.at(-1)!.body).toContain('Reply STOP to opt out.');
  });
});
