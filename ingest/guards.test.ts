import { createServer, connect, type Socket } from 'node:net';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.ts';
import { events, shops } from '../db/schema.ts';
import { ingestQueue, triggerOutbox } from '../db/schema-ingest.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createTestDatabase } from '../test/db.ts';
import { PROBE_MS } from '../api/db-breaker.ts';
import { maxInFlightFromEnv } from './guards.ts';
import { storeQueued, testApi } from './test-payloads.ts';

// Overload and outage answers of the ingest routes: 429 over the in-flight limit, 503 when the
// database cannot be reached, both with Retry-After, and nothing of a refused request stored.

const SHOP = 'shop-guards';
let database: Database;
let app: FastifyInstance;
let key: string;
let cipher: Parameters<typeof storeQueued>[1];

beforeAll(async () => {
  process.env.INGEST_MAX_IN_FLIGHT = '1';
  database = await createTestDatabase();
  ({ app, cipher } = testApi(database));
  await database.db.insert(shops).values({ id: SHOP, name: 'Guards', currency: 'EUR' });
  key = await createApiKey(database.db, SHOP, ['ingest']);
  // Database-side faults, at the moment a row is written (the Segment batch endpoint writes the queue,
  // the native one events): a slow insert, and the server going away (57P01 admin_shutdown, what
  // Postgres sends its clients when it is stopped).
  // A queue row holds a request's events, one canonical JSON per line: the fault is a product anywhere in it.
  const names = { events: (p: string) => `new.product_id = '${p}'`, ingest_queue: (p: string) => `position('"productId":"${p}"' in new.events) > 0` };
  for (const [table, has] of Object.entries(names)) {
    await database.rows(sql.raw(`create function nb_test_fault_${table}() returns trigger language plpgsql as $$
      begin
        if ${has('slow')} then perform pg_sleep(0.8); end if;
        if ${has('shutdown')} then raise exception 'terminating connection due to administrator command' using errcode = '57P01'; end if;
        return new;
      end $$`));
    await database.rows(sql.raw(`create trigger nb_test_fault before insert on ${table} for each row execute function nb_test_fault_${table}()`));
  }
  await app.ready();
});
afterAll(async () => {
  delete process.env.INGEST_MAX_IN_FLIGHT;
  await app?.close();
  await database?.close();
});

let n = 0;
const view = (productId: string, anonymousId = 'a-guard') => ({ type: 'track', event: 'Product Viewed', messageId: `g${++n}`, anonymousId,
  timestamp: '2026-05-01T10:00:00Z', properties: { product_id: productId } });
const batch = (...messages: unknown[]) => app.inject({ method: 'POST', url: '/v1/batch', payload: JSON.stringify({ batch: messages }),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }).then((r) => r); // inject starts on then()

// A Postgres protocol ErrorResponse: what a server that is shutting down answers a new connection.
const shuttingDown = (() => {
  const body = Buffer.from('SFATAL\0C57P03\0Mthe database system is shutting down\0\0');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
})();

describe('ingest overload and outage answers', () => {
  // PGlite runs in this thread, so a slow statement there stops the second request from even arriving:
  // the in-flight limit is shown on Postgres (DATABASE_URL set, as in CI).
  it.runIf(process.env.DATABASE_URL)('answers 429 with Retry-After while the process has its limit of ingest requests in flight, and takes requests again after', async () => {
    const slow = batch(view('slow'));
    await new Promise((r) => setTimeout(r, 150));
    const refused = await batch(view('p-1'));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: 'overloaded' });
    expect((await slow).statusCode).toBe(200);
    expect((await batch(view('p-2'))).statusCode).toBe(200);
    await storeQueued(database, cipher);
    const stored = await database.db.select({ p: events.productId }).from(events).where(eq(events.shopId, SHOP));
    expect(stored.map((s) => s.p).sort()).toEqual(['p-2', 'slow']);
  });

  it('answers 503 with Retry-After when the database goes away mid-request, with nothing of the request stored', async () => {
    const res = await batch(view('p-3', 'a-outage'), { type: 'track', event: 'Product Added', messageId: `g${++n}`, anonymousId: 'a-outage',
      timestamp: '2026-05-01T10:00:01Z', properties: { cart_id: 'c-outage', product_id: 'p-3', price: 5, currency: 'EUR' } }, view('shutdown', 'a-outage'));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ error: 'database_unavailable' });
    expect(await database.db.select().from(ingestQueue).where(eq(ingestQueue.shopId, SHOP))).toHaveLength(0);
    await storeQueued(database, cipher);
    expect(await database.db.select().from(events).where(eq(events.productId, 'p-3'))).toHaveLength(0);
    expect(await database.rows(sql`select 1 from carts where id = 'c-outage'`)).toHaveLength(0);
    expect(await database.db.select().from(triggerOutbox).where(eq(triggerOutbox.shopId, SHOP))).toHaveLength(0);
  });

  it('answers 503 when the database cannot be reached at all, on every ingest route', async () => {
    const away = createDatabase({ url: 'postgres://postgres@127.0.0.1:1/nextbest', max: 1 });
    const { app: cut } = testApi(away);
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
      // One after the other: the in-flight limit of this test is 1.
      const responses = [
        await cut.inject({ method: 'POST', url: '/v1/events', payload: '{}', headers }),
        await cut.inject({ method: 'POST', url: '/v1/batch', payload: JSON.stringify({ batch: [view('p-4')] }), headers }),
        await cut.inject({ method: 'POST', url: '/v1/webhooks/shopify/s1', payload: '{}', headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': 'x' } }),
      ];
      for (const res of responses) {
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
      }
    } finally {
      await cut.close();
      await away.close();
    }
  });

  // A TCP proxy in front of the test Postgres counts the connections the API makes. "Away", it answers each
  // as a stopping server does (FATAL 57P03 "the database system is shutting down"); "back", it forwards them.
  it.runIf(process.env.DATABASE_URL)('once one request found the database away, answers 503 at once without trying it, until a probe finds it back', async () => {
    const target = new URL(process.env.DATABASE_URL as string);
    let away = true;
    let connections = 0;
    const open = new Set<Socket>();
    const proxy = createServer((client) => {
      connections++;
      open.add(client);
      client.on('close', () => open.delete(client));
      client.on('error', () => {});
      if (away) return void client.once('data', () => client.end(shuttingDown));
      const upstream = connect(Number(target.port || 5432), target.hostname);
      client.pipe(upstream).pipe(client);
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const [current] = await database.rows<{ name: string }>(sql`select current_database() as name`);
    const proxied = createDatabase({ url: `postgres://${target.username}@127.0.0.1:${port}/${current?.name}`, max: 2 });
    const { app: api } = testApi(proxied);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const send = (product: string) => api.inject({ method: 'POST', url: '/v1/batch', payload: JSON.stringify({ batch: [view(product, 'a-breaker')] }), headers });
    try {
      expect((await send('p-first')).statusCode).toBe(503);
      const tried = connections;
      const started = Date.now();
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await send(`p-refused-${i}`));
      const elapsed = Date.now() - started;
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(503));
      expect(answers.every((a) => a.headers['retry-after'] === '5')).toBe(true);
      // Only the breaker's probes (one per PROBE_MS) touched the database meanwhile, not the 20 requests.
      expect(connections - tried).toBeLessThanOrEqual(Math.ceil(elapsed / PROBE_MS) + 1);
      away = false;
      const back = Date.now();
      let answer = await send('p-back');
      while (answer.statusCode === 503 && Date.now() - back < 10 * PROBE_MS) {
        await new Promise((r) => setTimeout(r, 50));
        answer = await send('p-back');
      }
      expect(answer.statusCode, answer.body).toBe(200);
      await storeQueued(database, cipher);
      const sent = ['p-first', 'p-back', ...Array.from({ length: 20 }, (_, i) => `p-refused-${i}`)];
      const stored = await database.db.select({ p: events.productId }).from(events).where(and(eq(events.shopId, SHOP), inArray(events.productId, sent)));
      expect(stored.map((e) => e.p)).toEqual(['p-back']);
    } finally {
      await api.close();
      await proxied.close();
      for (const socket of open) socket.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('reads its limit from INGEST_MAX_IN_FLIGHT and refuses a wrong value by name', () => {
    expect(maxInFlightFromEnv({})).toBe(64);
    expect(maxInFlightFromEnv({ INGEST_MAX_IN_FLIGHT: '8' })).toBe(8);
    expect(() => maxInFlightFromEnv({ INGEST_MAX_IN_FLIGHT: 'many' })).toThrow(/INGEST_MAX_IN_FLIGHT/);
  });
});
