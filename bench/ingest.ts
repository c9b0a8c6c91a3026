import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { buildApi } from '../api/app.ts';
import { shops } from '../db/schema.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../runtime/dev-server.ts';
import { outboxCounts, startOutboxDispatcher } from '../journeys/outbox-dispatcher.ts';
import { cpuMeter } from './cpu.ts';

// Drives POST /v1/batch with a realistic shop mix (mostly product views, some cart changes, dwell
// reports, identifies and orders) against real Postgres and a real Temporal server, then inserts the
// same event rows with plain multi-row INSERTs as the baseline. Usage:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:ingest [-- --events 60000 --batch 200 --concurrency 4]

const USAGE = `Usage: DATABASE_URL=postgres://... npm run bench:ingest [-- --events 60000 --batch 200 --concurrency 4]
Drives POST /v1/batch with a realistic Segment mix against real Postgres and a Temporal dev server (the outbox
dispatcher fires the queued journey triggers meanwhile), then inserts the same rows with plain multi-row INSERTs.
Prints events/s and request p50/p99; the triggers fired and their drain; CPU per event of this process, the
bench database's Postgres backends and the Temporal server, for the load and until every trigger reached
Temporal. Last line: ingest events_per_s=<n> insert_ratio=<r> p99_ms=<ms> (events/s of the load: events stored
with their derived state and their triggers queued in the same transaction).`;
if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('events', 60_000);
const BATCH = arg('batch', 200);
const CONCURRENCY = arg('concurrency', 4);
const VISITORS = Math.max(50, Math.round(TOTAL / 12));
const PRODUCTS = 800;

type Message = Record<string, unknown>;

/** A reproducible stream of Segment messages: visitors browse, some add to cart, identify and order. */
function workload(total: number): Message[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = (n: number) => Math.floor(rnd() * n);
  const start = Date.parse('2026-05-01T08:00:00Z');
  const out: Message[] = [];
  const views: { id: string; visitor: number; product: string }[] = [];
  for (let i = 0; i < total; i++) {
    const visitor = pick(VISITORS);
    const anonymousId = `anon-${visitor}`;
    const known = visitor % 7 === 0;
    const who = known ? { anonymousId, userId: `user-${visitor}` } : { anonymousId };
    const product = `p${Math.floor(PRODUCTS * rnd() ** 2)}`;
    const base = { messageId: `m${i}-${randomBytes(3).toString('hex')}`, timestamp: new Date(start + i * 50).toISOString(), ...who,
      context: { timezone: 'Europe/Berlin', locale: 'de-DE', userAgent: 'Mozilla/5.0' } };
    const r = rnd();
    if (r < 0.85) {
      out.push({ type: 'track', event: 'Product Viewed', ...base, properties: { product_id: product, price: 19.99, currency: 'EUR', name: `Product ${product}`, category: 'kitchen' } });
      views.push({ id: base.messageId, visitor, product });
    } else if (r < 0.88 && views.length) {
      const v = views[views.length - 1 - pick(Math.min(50, views.length))]!;
      out.push({ type: 'track', event: 'Product Dwell', ...base, anonymousId: `anon-${v.visitor}`, userId: undefined,
        properties: { view_id: v.id, product_id: v.product, dwell_ms: rnd() < 0.1 ? 200_000 : 20_000 + pick(100_000) } });
    } else if (r < 0.93) {
      out.push({ type: 'track', event: 'Product Added', ...base, properties: { cart_id: `cart-${visitor}`, product_id: product, price: 19.99, quantity: 1, currency: 'EUR' } });
    } else if (r < 0.95) {
      out.push({ type: 'identify', ...base, userId: `user-${visitor}`, traits: { email: `visitor${visitor}@example.com`, email_opt_in: true } });
    } else if (r < 0.975) {
      out.push({ type: 'track', event: 'Cart Viewed', ...base, properties: { cart_id: `cart-${visitor}`, currency: 'EUR', products: [{ product_id: product, price: 19.99, quantity: 1 }] } });
    } else {
      out.push({ type: 'track', event: 'Order Completed', ...base, properties: { order_id: `o${i}`, cart_id: `cart-${visitor}`, total: 39.98, currency: 'EUR',
        products: [{ product_id: product, price: 19.99, quantity: 2 }] } });
    }
  }
  return out;
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main() {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); the bench creates and drops its own database');
  const database = await createTestDatabase('postgres');
  const logger = createLogger('error');
  const port = 17_233 + Math.floor(Math.random() * 1000);
  const temporalServer = await startDevServer({ dataDir: mkdtempSync(join(tmpdir(), 'nextbest-bench-')), port, uiPort: port + 1000, namespace: 'default', logger });
  const connection = await Connection.connect({ address: temporalServer.address });
  const app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'bench', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 }, database,
    temporal: new Client({ connection }),
    cipher: new PiiCipher('ef'.repeat(32)), logger, metrics: createMetrics() });
  try {
    await database.db.insert(shops).values({ id: 'bench', name: 'Bench', currency: 'EUR' });
    const key = await createApiKey(database.db, 'bench', ['ingest']);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const messages = workload(TOTAL);
    const batches: Message[][] = [];
    for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
    const bodies = batches.map((batch) => JSON.stringify({ batch }));

    // Warm-up on a separate slice of traffic (JIT, connection pool, plan cache).
    const warm = workload(2_000).map((m) => ({ ...m, messageId: `w-${String(m.messageId)}` }));
    for (let i = 0; i < warm.length; i += BATCH) await post(url, key, JSON.stringify({ batch: warm.slice(i, i + BATCH) }));

    // The outbox dispatcher runs in this process as it does in the API's, firing the queued triggers
    // to the Temporal dev server while the load runs; it competes for the same two cores.
    const journeyDeps = { temporal: new Client({ connection }), database, taskQueue: 'bench', timeScale: 1, logger, metrics: createMetrics() };
    const dispatcher = startOutboxDispatcher(journeyDeps);
    await drain(journeyDeps);
    const firedBefore = (await outboxCounts({ database })).fired ?? 0;
    const latencies: number[] = [];
    let refused = 0;
    const meter = { children: { temporal: temporalServer.pid }, database };
    const ingestCpu = await cpuMeter(meter);
    const t0 = performance.now();
    await pool(bodies, CONCURRENCY, async (body) => {
      const s = performance.now();
      const res = await post(url, key, body);
      latencies.push(performance.now() - s);
      if (res.status !== 200) refused++;
    });
    const seconds = (performance.now() - t0) / 1000;
    const ingestUse = await ingestCpu();
    const eventsPerS = TOTAL / seconds;
    const atEnd = await outboxCounts({ database });
    const d0 = performance.now();
    await drain(journeyDeps);
    const drainS = (performance.now() - d0) / 1000;
    const drainUse = await ingestCpu();
    await dispatcher.stop();
    const afterDrain = await outboxCounts({ database });
    latencies.sort((a, b) => a - b);

    // Baseline: the same rows, plain multi-row INSERT, same batch size and concurrency, no logic.
    const sqlUrl = new URL(process.env.DATABASE_URL);
    const rows = await database.rows<{ n: number }>((await import('drizzle-orm')).sql`select count(*)::int as n from events where shop_id = 'bench'`);
    const testDbName = await database.rows<{ db: string }>((await import('drizzle-orm')).sql`select current_database() as db`);
    sqlUrl.pathname = `/${testDbName[0]!.db}`;
    const raw = postgres(sqlUrl.toString(), { max: CONCURRENCY, onnotice: () => {} });
    await raw`create table events_baseline (like events including defaults including indexes)`;
    const eventRows = messages.map((m) => ({
      shop_id: 'bench', customer_id: `cus_${String(m.anonymousId)}`, type: String(m.event ?? m.type), source: 'segment', source_event_id: String(m.messageId),
      occurred_at: new Date(String(m.timestamp)), product_id: (m.properties as { product_id?: string } | undefined)?.product_id ?? null,
      dwell_ms: null, props: raw.json({ priceMinor: 1999, currency: "EUR" }),
    }));
    const rowBatches: (typeof eventRows)[] = [];
    for (let i = 0; i < eventRows.length; i += BATCH) rowBatches.push(eventRows.slice(i, i + BATCH));
    await raw`select 1`;
    const baselineCpu = await cpuMeter(meter);
    const b0 = performance.now();
    await pool(rowBatches, CONCURRENCY, async (batch) => {
      await raw`insert into events_baseline ${raw(batch as never)}`;
    });
    const insertPerS = TOTAL / ((performance.now() - b0) / 1000);
    const baselineUse = await baselineCpu();
    await raw.end();

    const ratio = eventsPerS / insertPerS;
    console.log(`events: ${TOTAL} in ${batches.length} batches of ${BATCH}, concurrency ${CONCURRENCY}, ${refused} refused batches, ${rows[0]?.n} event rows stored`);
    console.log(`ingest: ${eventsPerS.toFixed(0)} events/s, request p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    const firedDuring = (atEnd.fired ?? 0) - firedBefore;
    console.log(`triggers: ${(afterDrain.fired ?? 0) - firedBefore} fired (${afterDrain.coalesced ?? 0} cart changes coalesced, ${afterDrain.dead ?? 0} dead); ${firedDuring} during the load (${(firedDuring / seconds).toFixed(0)}/s), ${(atEnd.pending ?? 0) + (atEnd.firing ?? 0)} queued at its end, drained in ${drainS.toFixed(1)} s`);
    console.log(`plain multi-row INSERT of the same rows: ${insertPerS.toFixed(0)} rows/s`);
    // CPU per event bounds the rate on a machine of two cores whatever the concurrency: this process
    // (API, load client, outbox dispatcher) and the Postgres backends of the bench database.
    const perEvent = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${((ms * 1000) / TOTAL).toFixed(0)} µs`);
    console.log(`cpu per event: ingest ${perEvent(ingestUse.self)} in this process + ${perEvent(ingestUse.postgres)} in Postgres + ${perEvent(ingestUse.children.temporal)} in the Temporal server; `
      + `plain INSERT ${perEvent(baselineUse.self)} + ${perEvent(baselineUse.postgres)}`);
    // The rate above is of events stored with their triggers queued; this one waits until the queued
    // triggers have reached Temporal too (load plus the outbox's drain after it), with the CPU of both.
    console.log(`until every trigger reached Temporal: ${(TOTAL / (seconds + drainS)).toFixed(0)} events/s; cpu per event ${perEvent(drainUse.self)} + ${perEvent(drainUse.postgres)} + ${perEvent(drainUse.children.temporal)}`);
    console.log(`ingest events_per_s=${eventsPerS.toFixed(0)} insert_ratio=${ratio.toFixed(2)} p99_ms=${percentile(latencies, 99).toFixed(1)}`);
  } finally {
    await app.close();
    await connection.close();
    await temporalServer.stop();
    await database.close();
  }
}

/** Waits until the outbox has nothing left to fire. */
async function drain(deps: { database: Parameters<typeof outboxCounts>[0]['database'] }): Promise<void> {
  for (;;) {
    const c = await outboxCounts(deps);
    if (!c.pending && !c.firing) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(url: string, key: string, body: string): Promise<Response> {
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res;
}

await main();
