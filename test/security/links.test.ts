import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCustomerContext } from '../../activities/customer-context.ts';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { LinkSigner } from '../../channels/links.ts';
import { buildApi } from '../../api/app.ts';
import type { Database } from '../../db/client.ts';
import { dispatches, outcomes } from '../../db/schema.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../db.ts';
import { seedCustomer, seedShop } from '../fixtures.ts';

const SECRET = 'security-links-secret-0123456789abcdef';
const FOREIGN = 'another-installation-secret-0123456789ab';
const DAY = 86_400_000;
const T0 = new Date('2026-03-01T12:00:00Z');

describe('signed, expiring click and unsubscribe links', () => {
  let database: Database;
  let app: FastifyInstance;
  let clock = T0;
  let signer: LinkSigner;
  const cipher = new PiiCipher('ab'.repeat(32));
  let shopId: string;
  const people: { customerId: string; dispatchId: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    shopId = await seedShop(database, 'shop-links');
    for (const name of ['alice', 'bob']) {
      const customerId = await seedCustomer({ database, cipher }, shopId, { userId: name, email: `${name}@links.example` });
      const dispatchId = `dsp-${name}`;
      await database.db.insert(dispatches).values({
        id: dispatchId, idempotencyKey: `key-${name}`, shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:c1`, step: 1,
        channel: 'email', contentType: 'cart_reminder', status: 'sent', provider: 'outbox', sentAt: T0, createdAt: T0,
      });
      people.push({ customerId, dispatchId });
    }
    signer = new LinkSigner(SECRET, 'http://links.test', { clickTtlDays: 90, unsubscribeTtlDays: 365, now: () => clock });
    const options: ChannelApiOptions = { links: signer, signingSecret: SECRET, publicBaseUrl: 'http://links.test' };
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
    app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never, database, temporal, cipher, logger: createLogger('silent'), metrics: createMetrics() }, options);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;
  const click = (t: string) => app.inject({ method: 'GET', url: `/l/c?t=${encodeURIComponent(t)}` });
  const unsubscribe = (t: string) => app.inject({ method: 'POST', url: `/l/u?t=${encodeURIComponent(t)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
  const emailConsent = async (customerId: string) => (await loadCustomerContext(database.db, shopId, customerId)).consent.email;
  /** The same token with its body rewritten and the original MAC kept. */
  const tamper = (t: string, change: (body: Record<string, unknown>) => void) => {
    const [body, mac] = t.split('.');
    const parsed = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    change(parsed);
    return `${Buffer.from(JSON.stringify(parsed)).toString('base64url')}.${mac}`;
  };

  it('redirects a fresh click and refuses tampered, foreign-secret and expired click tokens', async () => {
    clock = T0;
    const [alice] = people;
    const t = tokenOf(signer.clickUrl(alice!.dispatchId, 'https://shop.example/p/mug'));
    const ok = await click(t);
    expect(ok.statusCode).toBe(302);
    expect(ok.headers.location).toBe('https://shop.example/p/mug');

    const redirected = await click(tamper(t, (b) => { b.url = 'https://evil.example/'; }));
    expect(redirected.statusCode).toBe(400);
    expect(redirected.body).toContain('not valid');
    const younger = await click(tamper(t, (b) => { b.iat = Math.floor(clock.getTime() / 1000) + 1; }));
    expect(younger.statusCode).toBe(400);
    const foreign = tokenOf(new LinkSigner(FOREIGN, 'http://links.test', { now: () => clock }).clickUrl(alice!.dispatchId, 'https://shop.example/p/mug'));
    expect((await click(foreign)).statusCode).toBe(400);
    expect((await click('')).statusCode).toBe(400);
    expect((await click('a.b.c')).statusCode).toBe(400);

    clock = new Date(T0.getTime() + 89 * DAY);
    expect((await click(t)).statusCode).toBe(302);
    clock = new Date(T0.getTime() + 91 * DAY);
    const expired = await click(t);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('expired');
    expect(expired.body).toContain('90 days');
    // A token from the future (beyond clock skew) is not one we issued.
    clock = T0;
    const future = tokenOf(new LinkSigner(SECRET, 'http://links.test', { now: () => new Date(T0.getTime() + DAY) }).clickUrl(alice!.dispatchId, 'https://shop.example/'));
    expect((await click(future)).statusCode).toBe(400);
  });

  it('an unsubscribe token for dispatch A unsubscribes only A\'s customer, and cannot be rewritten to name B', async () => {
    clock = T0;
    const [alice, bob] = people;
    const t = tokenOf(signer.unsubscribeUrl(alice!.dispatchId, 'email'));
    const forged = tamper(t, (b) => { b.dispatchId = bob!.dispatchId; });
    const refused = await unsubscribe(forged);
    expect(refused.statusCode).toBe(400);
    expect(await emailConsent(bob!.customerId)).toBe(true);
    const foreign = tokenOf(new LinkSigner(FOREIGN, 'http://links.test', { now: () => clock }).unsubscribeUrl(bob!.dispatchId, 'email'));
    expect((await unsubscribe(foreign)).statusCode).toBe(400);
    expect(await emailConsent(bob!.customerId)).toBe(true);
    // A click token is not an unsubscribe token, even for the same dispatch.
    expect((await unsubscribe(tokenOf(signer.clickUrl(bob!.dispatchId, 'https://shop.example/')))).statusCode).toBe(400);
    expect(await emailConsent(bob!.customerId)).toBe(true);

    const done = await unsubscribe(t);
    expect(done.statusCode).toBe(200);
    expect(await emailConsent(alice!.customerId)).toBe(false);
    expect(await emailConsent(bob!.customerId)).toBe(true);
    const kinds = await database.db.select({ dispatchId: outcomes.dispatchId, kind: outcomes.kind }).from(outcomes).where(eq(outcomes.kind, 'unsubscribed'));
    expect(kinds).toEqual([{ dispatchId: alice!.dispatchId, kind: 'unsubscribed' }]);
  });

  it('unsubscribe links last long but not forever: 410 after LINK_UNSUBSCRIBE_TTL_DAYS, consent untouched', async () => {
    const [, bob] = people;
    clock = T0;
    const t = tokenOf(signer.unsubscribeUrl(bob!.dispatchId, 'email'));
    clock = new Date(T0.getTime() + 366 * DAY);
    const page = await app.inject({ method: 'GET', url: `/l/u?t=${encodeURIComponent(t)}` });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('365 days');
    expect((await unsubscribe(t)).statusCode).toBe(410);
    expect(await emailConsent(bob!.customerId)).toBe(true);
    clock = new Date(T0.getTime() + 364 * DAY);
    expect((await unsubscribe(t)).statusCode).toBe(200);
    expect(await emailConsent(bob!.customerId)).toBe(false);
  });

  it('accepts legacy tokens (no issue time) only while the message they name is within the lifetime', async () => {
    const [alice] = people;
    const legacy = signer.signLegacy({ kind: 'click', dispatchId: alice!.dispatchId, url: 'https://shop.example/p/tea' });
    clock = new Date(T0.getTime() + 10 * DAY);
    expect((await click(legacy)).statusCode).toBe(302);
    clock = new Date(T0.getTime() + 100 * DAY);
    expect((await click(legacy)).statusCode).toBe(410);
    // With no message behind it, a legacy token has no age to judge by: refused.
    clock = T0;
    expect((await click(signer.signLegacy({ kind: 'click', dispatchId: 'dsp-unknown', url: 'https://shop.example/' }))).statusCode).toBe(400);
  });

  it('never throws on hostile tokens: random strings, and any JSON signed with our own secret', () => {
    const signWith = (body: unknown) => {
      const encoded = Buffer.from(JSON.stringify(body) ?? 'undefined', 'utf8').toString('base64url');
      // The MAC of the same signer over an arbitrary body: what a leaked-format forgery would need.
      const mac = (signer as unknown as { mac(b: string): Buffer }).mac(encoded).toString('base64url');
      return `${encoded}.${mac}`;
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => {
      expect(signer.check(t).ok).toBe(false);
    }), { numRuns: 2000, seed: 4242 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (body) => {
      const checked = signer.check(signWith(body));
      const b = body as Record<string, unknown> | null;
      const wellFormed = !!b && typeof b === 'object' && !Array.isArray(b) && typeof b.dispatchId === 'string'
        && ((b.kind === 'click' && typeof b.url === 'string') || (b.kind === 'unsubscribe' && typeof b.channel === 'string'));
      if (!wellFormed) expect(checked.ok).toBe(false);
    }), { numRuns: 2000, seed: 4242 });
    for (const body of [null, [], 'click', { kind: 'click', dispatchId: 7, url: 'https://x' }, { kind: 'unsubscribe', dispatchId: 'd', channel: 'fax' },
      { kind: 'click', dispatchId: 'd', url: 'https://x', iat: 'yesterday' }, { kind: 'click', dispatchId: 'd', url: 'https://x', iat: 1e300 }]) {
      expect(signer.check(signWith(body)), JSON.stringify(body)).toMatchObject({ ok: false, reason: 'invalid' });
    }
  });

  it('rejects nonsensical lifetimes at construction', () => {
    expect(() => new LinkSigner(SECRET, 'http://x', { clickTtlDays: 0 })).toThrow(/clickTtlDays must be a positive number/);
    expect(() => new LinkSigner(SECRET, 'http://x', { unsubscribeTtlDays: Number.NaN })).toThrow(/unsubscribeTtlDays/);
  });
});
