import { and, asc, eq, sql } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.ts';
import { carts, contacts, events, rejectedPayloads, shops } from '../db/schema.ts';
import { ingestQueue, triggerOutbox } from '../db/schema-ingest.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { PiiCipher } from '../lib/pii.ts';
import { eraseCustomer } from '../privacy/erase.ts';
import { createTestDatabase } from '../test/db.ts';
import type { CanonicalEvent } from './canonical.ts';
import { drainQueue, processQueued, QUEUED_ENDPOINT, startQueueProcessor, vacuumQueue } from './queue-processor.ts';
import { queueDepth, queueEvents, queuedLines, unsealEvent, watchQueueBacklog } from './queue.ts';
import { replayRejected } from './replay.ts';
import { testApi } from './test-payloads.ts';

// Staged ingest over a real database: the Segment endpoints' queue (ingest/queue.ts) and the processor
// that stores it through the entry path (ingest/queue-processor.ts).

const SHOP = 'shop-queue';
let database: Database;
const cipher = new PiiCipher('ab'.repeat(32));
const logger = createLogger('silent');
const deps = () => ({ database, cipher, logger });

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insert(shops).values([{ id: SHOP, name: 'Queue shop', currency: 'EUR' }, { id: 'shop-queue-2', name: 'Second', currency: 'EUR' }]);
});
afterAll(async () => {
  await database?.close();
});

let n = 0;
const at = () => new Date(Date.UTC(2026, 4, 1, 9, 0, ++n)).toISOString();
const who = (id: string) => ({ userId: id, anonymousId: `anon-${id}` });
const added = (cartId: string, customer: string, productId: string, currency = 'EUR'): CanonicalEvent =>
  ({ type: 'cart_item_added', eventId: `q${++n}`, occurredAt: at(), customer: who(customer), cartId, currency, item: { productId, quantity: 1, priceMinor: 500 } });
const removed = (cartId: string, customer: string, productId: string): CanonicalEvent =>
  ({ type: 'cart_item_removed', eventId: `q${++n}`, occurredAt: at(), customer: who(customer), cartId, currency: 'EUR', item: { productId, quantity: 1, priceMinor: 500 } });
const viewed = (customer: string, productId: string, eventId = `q${++n}`): CanonicalEvent =>
  ({ type: 'product_viewed', eventId, occurredAt: at(), customer: who(customer), productId });
const queuedRows = (shopId = SHOP) => database.db.select().from(ingestQueue).where(eq(ingestQueue.shopId, shopId)).orderBy(asc(ingestQueue.id));

describe('the ingest queue', () => {
  // A generic plan made while `events` was nearly empty walked the shop's events per queued event once the
  // shop had thousands (db/client.ts, plan_cache_mode): each run of the prepared insert is planned anew.
  it.runIf(process.env.DATABASE_URL)('plans the prepared queue insert with each run\'s table sizes, never a generic plan kept from the first runs', async () => {
    const [current] = await database.rows<{ name: string }>(sql`select current_database() as name`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${current?.name}`;
    const one = createDatabase({ url: url.toString(), max: 1 });
    try {
      for (let i = 0; i < 8; i++) await queueEvents({ database: one, cipher }, 'shop-queue-2', 'plans', [viewed('c-plan', `p-${i}`)]);
      const [plans] = await one.rows<{ generic: number; custom: number }>(sql`select generic_plans::int as generic, custom_plans::int as custom
        from pg_prepared_statements where statement like '%insert into ingest_queue%'`);
      expect(plans).toEqual({ generic: 0, custom: 8 });
    } finally {
      await one.close();
      await database.db.delete(ingestQueue).where(eq(ingestQueue.source, 'plans'));
    }
  });

  it('queues a request as one row in the order sent, and counts as duplicates what is stored already or repeated in the request', async () => {
    const [a, b, c] = [viewed('c1', 'p1', 'dup-a'), viewed('c1', 'p2', 'dup-b'), viewed('c1', 'p3', 'dup-c')];
    expect(await queueEvents(deps(), SHOP, 'segment', [a!, b!, a!])).toEqual({ queued: 2, duplicates: 1 });
    const [row] = await queuedRows();
    expect(row).toMatchObject({ source: 'segment', eventCount: 2 });
    expect(queuedLines(row!.events).map((line) => unsealEvent(cipher, line).eventId)).toEqual(['dup-a', 'dup-b']);
    // Resent while it waits: queued again, and stored once (the entry path finds the first sending stored).
    expect(await queueEvents(deps(), SHOP, 'segment', [b!])).toEqual({ queued: 1, duplicates: 0 });
    // The same id from another source is another event.
    expect(await queueEvents(deps(), SHOP, 'api', [b!])).toEqual({ queued: 1, duplicates: 0 });
    expect(await queueDepth(database)).toBe(4);
    await drainQueue(deps());
    expect(await queueDepth(database)).toBe(0);
    const storedB = await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.sourceEventId, 'dup-b')));
    expect(storedB.map((e) => e.source).sort()).toEqual(['api', 'segment']);
    // Stored (and gone from the queue): a duplicate, and nothing is queued.
    expect(await queueEvents(deps(), SHOP, 'segment', [a!, a!])).toEqual({ queued: 0, duplicates: 2 });
    expect(await queuedRows()).toEqual([]);
    // A stored one resent beside a new one: the new one counts as queued; the stored one is skipped when stored.
    expect(await queueEvents(deps(), SHOP, 'segment', [a!, c!])).toEqual({ queued: 1, duplicates: 1 });
    await drainQueue(deps());
    const stored = await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.source, 'segment'), eq(events.customerId, storedB[0]!.customerId!)));
    expect(stored.map((e) => e.sourceEventId).sort()).toEqual(['dup-a', 'dup-b', 'dup-c']);
  });

  it('keeps an event that names an e-mail or phone encrypted while it waits, and stores the contact encrypted as ever', async () => {
    const identify: CanonicalEvent = { type: 'customer_updated', eventId: `q${++n}`, occurredAt: at(),
      customer: { userId: 'c-pii', email: 'ada.lovelace@example.com', phone: '+4915112345678' }, consents: [{ channel: 'email', granted: true }] };
    await queueEvents(deps(), SHOP, 'segment', [identify, viewed('c-pii', 'p1')]);
    const [row] = await queuedRows();
    expect(row!.events).not.toContain('ada.lovelace');
    expect(row!.events).not.toContain('15112345678');
    const [sealed, plain] = queuedLines(row!.events);
    expect(unsealEvent(cipher, sealed!)).toEqual(identify);
    expect(JSON.parse(plain!)).toMatchObject({ type: 'product_viewed', productId: 'p1' });
    expect(await drainQueue(deps())).toBe(2);
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.emailHash, cipher.lookupHash('ada.lovelace@example.com')));
    expect(cipher.decrypt(contact!.emailEnc!)).toBe('ada.lovelace@example.com');
  });

  it('stores a shop\'s events in the order queued across requests, deletes them from the queue and queues their journey triggers', async () => {
    await queueEvents(deps(), SHOP, 'segment', [added('cart-o', 'c2', 'p1'), added('cart-o', 'c2', 'p2')]);
    await queueEvents(deps(), SHOP, 'segment', [removed('cart-o', 'c2', 'p1')]);
    expect(await processQueued(deps())).toEqual({ processed: 3, busy: 0 });
    expect(await queuedRows()).toEqual([]);
    const [cart] = await database.db.select().from(carts).where(and(eq(carts.shopId, SHOP), eq(carts.id, 'cart-o')));
    expect(cart!.items.map((i) => i.productId)).toEqual(['p2']);
    // A known customer's cart: its changes queue the cart journey's trigger (a newer change replaces an older one when fired).
    const triggers = await database.db.select().from(triggerOutbox).where(eq(triggerOutbox.shopId, SHOP));
    expect(triggers.filter((t) => t.kind === 'cart-changed').length).toBeGreaterThan(0);
  });

  it('takes whole requests of a shop per transaction, at most batchSize events (a larger request alone), and every shop with events in a round', async () => {
    for (let i = 0; i < 5; i++) await queueEvents(deps(), SHOP, 'segment', [viewed('c3', `p${i}`)]);
    await queueEvents(deps(), SHOP, 'segment', Array.from({ length: 4 }, (_, i) => viewed('c3', `p-large-${i}`)));
    await queueEvents(deps(), 'shop-queue-2', 'segment', [viewed('c3', 'p9')]);
    expect(await processQueued(deps(), { batchSize: 3 })).toEqual({ processed: 4, busy: 0 });
    expect(await processQueued(deps(), { batchSize: 3 })).toEqual({ processed: 2, busy: 0 });
    expect(await queueDepth(database)).toBe(4);
    expect(await processQueued(deps(), { batchSize: 3 })).toEqual({ processed: 4, busy: 0 });
    expect(await queueDepth(database)).toBe(0);
  });

  it('keeps what the entry path refuses in rejected_payloads with the reason, encrypted, and replays it as a canonical event', async () => {
    await queueEvents(deps(), SHOP, 'segment', [added('cart-eur', 'c4', 'p1'), added('cart-eur', 'c4', 'p2', 'USD'), viewed('c4', 'p-after-refusal')]);
    expect(await drainQueue(deps())).toBe(3);
    const [kept] = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.shopId, SHOP), eq(rejectedPayloads.endpoint, QUEUED_ENDPOINT)));
    expect(kept).toMatchObject({ source: 'segment', status: 422, bodyEncrypted: true });
    expect(kept!.reason).toMatchObject({ code: 'not_stored', errors: [{ message: expect.stringContaining('cart cart-eur is in EUR') }] });
    expect(JSON.parse(cipher.decrypt(kept!.body))).toMatchObject({ type: 'cart_item_added', currency: 'USD' });
    // The others of its request were stored.
    expect(await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.productId, 'p-after-refusal')))).toHaveLength(1);
    // Replayed through the same entry path: still refused for the same reason, and said so.
    expect(await replayRejected(deps(), kept!)).toMatchObject({ status: 'still_rejected', detail: expect.stringContaining('cart cart-eur is in EUR') });
  });

  it('keeps a queued event it cannot read (wrong PII key) instead of losing it or stopping', async () => {
    const other = new PiiCipher('cd'.repeat(32));
    const identify: CanonicalEvent = { type: 'customer_updated', eventId: `q${++n}`, occurredAt: at(), customer: { userId: 'c5', email: 'c5@example.com' }, consents: [] };
    await queueEvents({ database, cipher: other }, SHOP, 'segment', [identify, viewed('c5', 'p1')]);
    const [row] = await queuedRows();
    expect(await drainQueue(deps())).toBe(2);
    const kept = await database.db.select().from(rejectedPayloads).where(and(eq(rejectedPayloads.shopId, SHOP), eq(rejectedPayloads.endpoint, QUEUED_ENDPOINT)));
    expect(kept.at(-1)!.reason).toMatchObject({ errors: [{ field: `(queued request ${row!.id}, event 1)`, message: expect.stringContaining('PII_ENCRYPTION_KEY') }] });
    expect(other.decrypt(kept.at(-1)!.body)).toContain('c5@example.com');
  });

  it('lets one processor at a time store a shop, so two processes store every event once and in order', async () => {
    const batch = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? added('cart-race', 'c6', `p${i}`) : removed('cart-race', 'c6', `p${i - 1}`)));
    for (let i = 0; i < batch.length; i += 4) await queueEvents(deps(), SHOP, 'segment', batch.slice(i, i + 4));
    const [first, second] = await Promise.all([drainQueue(deps(), { batchSize: 4 }), drainQueue(deps(), { batchSize: 4 })]);
    expect(first + second).toBe(40);
    const [cart] = await database.db.select().from(carts).where(and(eq(carts.shopId, SHOP), eq(carts.id, 'cart-race')));
    expect(cart!.items).toEqual([]);
    expect(await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.customerId, cart!.customerId)))).toHaveLength(40);
  });

  it('runs in the background: a nudge stores what was just queued', async () => {
    const processor = startQueueProcessor(deps(), { pollMs: 60_000 });
    try {
      await queueEvents(deps(), SHOP, 'segment', [viewed('c7', 'p-nudged')]);
      processor.nudge();
      for (let i = 0; i < 100 && (await queueDepth(database)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.productId, 'p-nudged')))).toHaveLength(1);
    } finally {
      await processor.stop();
    }
  });

  it('vacuums the queue table once it is empty after vacuumAfter deleted rows', async () => {
    // Both drivers run the statement; on Postgres the server's own count shows the background processor ran it.
    await vacuumQueue(deps());
    const vacuums = async () => Number((await database.rows<{ n: number }>(sql`select coalesce(sum(vacuum_count), 0)::int as n from pg_stat_user_tables where relname = 'ingest_queue'`))[0]?.n ?? 0);
    const before = await vacuums();
    const processor = startQueueProcessor(deps(), { pollMs: 20, vacuumAfter: 5 });
    try {
      await queueEvents(deps(), SHOP, 'segment', Array.from({ length: 6 }, (_, i) => viewed('c-vacuum', `p-vacuum-${i}`)));
      processor.nudge();
      for (let i = 0; i < 100 && (await queueDepth(database)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      if (database.driver === 'postgres') {
        for (let i = 0; i < 100 && (await vacuums()) <= before; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await vacuums()).toBeGreaterThan(before);
      }
    } finally {
      await processor.stop();
    }
  });

  it('is stored before an erase, so nothing the customer sent comes back after it', async () => {
    const identify: CanonicalEvent = { type: 'customer_updated', eventId: `q${++n}`, occurredAt: at(), customer: { userId: 'c-erase', email: 'erase.me@example.com' }, consents: [] };
    await queueEvents(deps(), SHOP, 'segment', [viewed('c-erase', 'p1')]);
    await drainQueue(deps());
    const [viewRow] = await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.sourceEventId, `q${n - 1}`)));
    await queueEvents(deps(), SHOP, 'segment', [identify]);
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
    await eraseCustomer({ database, cipher, temporal }, SHOP, viewRow!.customerId!);
    expect(await queueDepth(database)).toBe(0);
    expect(await database.db.select().from(contacts).where(eq(contacts.emailHash, cipher.lookupHash('erase.me@example.com')))).toEqual([]);
    expect(await database.db.select().from(events).where(eq(events.customerId, viewRow!.customerId!))).toEqual([]);
  });

  it('goes with its shop', async () => {
    await database.db.insert(shops).values({ id: 'shop-queue-gone', name: 'Gone', currency: 'EUR' });
    await queueEvents(deps(), 'shop-queue-gone', 'segment', [viewed('c8', 'p1')]);
    await database.db.delete(shops).where(eq(shops.id, 'shop-queue-gone'));
    expect(await queuedRows('shop-queue-gone')).toEqual([]);
  });
});

describe('back-pressure', () => {
  it('counts the backlog at most once a second and says when it is over the limit', async () => {
    const watch = watchQueueBacklog(database, 2, 0);
    await queueEvents(deps(), SHOP, 'segment', [viewed('c9', 'p1'), viewed('c9', 'p2'), viewed('c9', 'p3')]);
    expect(watch.overloaded()).toBe(false); // the first count is under way
    for (let i = 0; i < 100 && !watch.overloaded(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(watch.overloaded()).toBe(true);
    await drainQueue(deps());
  });

  it('answers 429 with Retry-After on the Segment endpoints while the queue is over its limit, queueing nothing', async () => {
    let full = true;
    const { app } = testApi(database, undefined, 'q', { nudge: () => {}, overloaded: () => full });
    const key = await createApiKey(database.db, SHOP, ['ingest']);
    const message = { type: 'track', event: 'Product Viewed', messageId: 'bp-1', anonymousId: 'bp', timestamp: at(), properties: { product_id: 'p1' } };
    const send = () => app.inject({ method: 'POST', url: '/v1/batch', payload: JSON.stringify({ batch: [message] }), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({ error: 'queue_full' });
    expect(await queueDepth(database)).toBe(0);
    full = false;
    expect((await send()).json()).toMatchObject({ success: true, accepted: 1 });
    await drainQueue(deps());
    await app.close();
  });
});
