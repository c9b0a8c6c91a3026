import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { shops } from '../db/schema.ts';
import { queueDepth } from '../ingest/queue.ts';
import { outboxCounts } from '../journeys/outbox-dispatcher.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { startDevServer } from '../runtime/dev-server.ts';
import { createTestDatabase } from '../test/db.ts';
import { cpuMeter } from './cpu.ts';

// Drives POST /v1/batch with a realistic shop mix (mostly product views, some cart changes, dwell
// reports, identifies and orders) against real Postgres and a real Temporal server, in the production
// topology: API processes that validate and queue (INGEST_PROCESSING=separate) and an ingest worker that
// stores the queued events through the entry path and fires their journey triggers, all on this machine.
// Between rounds it inserts as many event rows with plain multi-row INSERTs: the baseline.

const USAGE = `Usage: DATABASE_URL=postgres://... npm run bench:ingest [-- --events 60000 --batch 200 --concurrency 4 --apis 2 --ingest-nice 19 --rounds 3]
Starts a Temporal dev server, --apis API processes (npm run api, INGEST_PROCESSING=separate: they validate,
deduplicate and queue) and one ingest worker (npm run ingest-worker, under nice --ingest-nice: it stores the
queued events through the entry path and fires their journey triggers while the load runs, with what CPU
the API processes leave it). A load client in its own thread posts the batches round-robin to the APIs.
Each of --rounds rounds posts --events new events, waits until all are stored and their triggers fired,
and then inserts as many rows with plain multi-row INSERTs from this process (the baseline, also run once
before the first round); a round's ratio is its accepted events/s over the mean of the baselines before
and after it. Prints per round the accepted events/s with request p50/p99; when every event was stored
and every trigger reached Temporal, with the rates from the first request to then; CPU per event of each
process, the bench database's Postgres backends and the Temporal server. Last line (medians over the
rounds, p99 over all requests):
  ingest events_per_s=<n> insert_ratio=<r> p99_ms=<ms>
(events/s accepted by the endpoint: validated, deduplicated and queued durably; the lines before it name
the rate until every event was stored).
With BENCH_CPU_PROF=<dir> the API processes and the ingest worker write V8 CPU profiles there (node --cpu-prof);
the profiler slows them, so such a run's figures are not comparable.`;
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
const APIS = arg('apis', 2);
const INGEST_NICE = arg('ingest-nice', 19);
const ROUNDS = arg('rounds', 3);
const VISITORS = Math.max(50, Math.round(TOTAL / 12));
const PRODUCTS = 800;
const ROOT = join(import.meta.dirname, '..');

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

/** Starts one of the project's production entry points (node --import tsx, so its pid is the process that works). */
function startProcess(script: string, env: Record<string, string>, nice = 0): ChildProcess {
  const args = [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx', script];
  const child = nice > 0
    ? spawn('nice', ['-n', String(nice), process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] })
    : spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}

async function untilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API process at ${url} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the API process at ${url} did not answer /healthz within 60 s`);
}

async function main() {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); the bench creates and drops its own database');
  const database = await createTestDatabase('postgres');
  const logger = createLogger('error');
  const port = 17_233 + Math.floor(Math.random() * 1000);
  const temporalServer = await startDevServer({ dataDir: mkdtempSync(join(tmpdir(), 'nextbest-bench-')), port, uiPort: port + 1000, namespace: 'default', logger });
  const children: ChildProcess[] = [];
  try {
    await database.db.insert(shops).values({ id: 'bench', name: 'Bench', currency: 'EUR' });
    const key = await createApiKey(database.db, 'bench', ['ingest']);
    const dbUrl = new URL(process.env.DATABASE_URL);
    dbUrl.pathname = `/${(await database.rows<{ db: string }>(sql`select current_database() as db`))[0]!.db}`;
    const env = { DATABASE_URL: dbUrl.toString(), TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: 'bench', PII_ENCRYPTION_KEY: 'ef'.repeat(32),
      LOG_LEVEL: 'error', INGEST_PROCESSING: 'separate', NODE_ENV: 'production' };
    const apiPort = port + 2000;
    const urls = Array.from({ length: APIS }, (_, i) => `http://127.0.0.1:${apiPort + i}`);
    // Each process names its Postgres backends (nextbest-api, nextbest-ingest), so their CPU is told apart.
    const apis = urls.map((_, i) => startProcess('api/main.ts', { ...env, API_PORT: String(apiPort + i), WORKER_METRICS_PORT: String(apiPort + 100 + i) }));
    children.push(...apis);
    const ingestWorker = startProcess('workers/ingest.ts', { ...env, WORKER_METRICS_PORT: String(apiPort + 200) }, INGEST_NICE);
    children.push(ingestWorker);
    await Promise.all(urls.map((u, i) => untilHealthy(u, apis[i]!)));

    // Warm-up on a separate slice of traffic (JIT of every process, connection pools, plan caches).
    const warm = workload(4_000).map((m) => ({ ...m, messageId: `w-${String(m.messageId)}` }));
    await load(urls, key, bodiesOf(warm), CONCURRENCY);
    await stored(database);
    await drain(database);

    // The baseline: the same rows, plain multi-row INSERT, same batch size and concurrency, no logic. It
    // runs before each round and once after the last, with the API processes and the ingest worker idle,
    // and each round's ratio is taken against the mean of the baselines either side of it: on these
    // noisy machines the plain INSERT's rate moved by a third between runs minutes apart.
    const raw = postgres(dbUrl.toString(), { max: CONCURRENCY, onnotice: () => {} });
    await raw`create table events_baseline (like events including defaults including indexes)`;
    const baseline = async (messages: Message[]) => {
      const eventRows = messages.map((m) => ({
        shop_id: 'bench', customer_id: `cus_${String(m.anonymousId)}`, type: String(m.event ?? m.type), source: 'segment', source_event_id: String(m.messageId),
        occurred_at: new Date(String(m.timestamp)), product_id: (m.properties as { product_id?: string } | undefined)?.product_id ?? null,
        dwell_ms: null, props: raw.json({ priceMinor: 1999, currency: 'EUR' }),
      }));
      const rowBatches: (typeof eventRows)[] = [];
      for (let i = 0; i < eventRows.length; i += BATCH) rowBatches.push(eventRows.slice(i, i + BATCH));
      await raw`select 1`;
      const meter = await cpuMeter({ database });
      const b0 = performance.now();
      await pool(rowBatches, CONCURRENCY, async (batch) => {
        await raw`insert into events_baseline ${raw(batch as never)}`;
      });
      const rowsPerS = messages.length / ((performance.now() - b0) / 1000);
      return { rowsPerS, use: await meter() };
    };
    const perEvent = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${((ms * 1000) / TOTAL).toFixed(0)} µs`);
    const split = (use: Awaited<ReturnType<Awaited<ReturnType<typeof cpuMeter>>>>) =>
      `${apis.map((_, i) => `api${i} ${perEvent(use.children[`api${i}`])}`).join(' + ')} + ingest worker ${perEvent(use.children.ingest)} + Postgres ${perEvent(use.postgres)} (${Object.entries(use.postgresBy).sort().map(([name, ms]) => `${name === 'nextbest' ? 'this bench' : name.replace(/^nextbest-/, '')} ${perEvent(ms)}`).join(', ')}) + Temporal ${perEvent(use.children.temporal)} + load client ${perEvent(use.self)}`;
    const meter = { children: { temporal: temporalServer.pid, ingest: ingestWorker.pid, ...Object.fromEntries(apis.map((a, i) => [`api${i}`, a.pid])) }, database };

    const roundMessages = (r: number) => workload(TOTAL).map((m) => ({ ...m, messageId: `r${r}-${String(m.messageId)}` }));
    await baseline(warm.map((m) => ({ ...m, messageId: `b${String(m.messageId)}` })));
    const baselines = [await baseline(roundMessages(-1))];
    const rounds: { eventsPerS: number; ratio: number; latencies: number[] }[] = [];
    const allLatencies: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const messages = roundMessages(r);
      const bodies = bodiesOf(messages);
      const firedBefore = (await outboxCounts({ database })).fired ?? 0;
      const storedBefore = (await database.rows<{ n: number }>(sql`select count(*)::int as n from events where shop_id = 'bench'`))[0]?.n ?? 0;
      const ingestCpu = await cpuMeter(meter);
      const { seconds, latencies, refused } = await load(urls, key, bodies, CONCURRENCY);
      const ingestUse = await ingestCpu();
      const eventsPerS = TOTAL / seconds;
      const backlog = await queueDepth(database);
      const q0 = performance.now();
      await stored(database);
      const storeS = (performance.now() - q0) / 1000;
      const storeUse = await ingestCpu();
      const atEnd = await outboxCounts({ database });
      const d0 = performance.now();
      await drain(database);
      const drainS = (performance.now() - d0) / 1000;
      const drainUse = await ingestCpu();
      const afterDrain = await outboxCounts({ database });
      const storedRows = ((await database.rows<{ n: number }>(sql`select count(*)::int as n from events where shop_id = 'bench'`))[0]?.n ?? 0) - storedBefore;
      const after = await baseline(roundMessages(100 + r));
      baselines.push(after);
      const before = baselines[r]!;
      const insertPerS = (before.rowsPerS + after.rowsPerS) / 2;
      const ratio = eventsPerS / insertPerS;
      latencies.sort((a, b) => a - b);
      allLatencies.push(...latencies);
      rounds.push({ eventsPerS, ratio, latencies });
      const firedDuring = (atEnd.fired ?? 0) - firedBefore;
      console.log(`round ${r + 1} of ${ROUNDS}: ${TOTAL} events in ${bodies.length} batches of ${BATCH}, concurrency ${CONCURRENCY}, ${APIS} API processes, ingest worker at nice ${INGEST_NICE}; ${refused} refused batches, ${storedRows} event rows stored`);
      console.log(`  accepted: ${eventsPerS.toFixed(0)} events/s (validated, deduplicated, queued), request p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
      console.log(`    cpu per event while accepting: ${split(ingestUse)}`);
      console.log(`  stored: ${TOTAL - backlog} of ${TOTAL} during the load, the last ${(seconds + storeS).toFixed(1)} s after the first request: ${(TOTAL / (seconds + storeS)).toFixed(0)} events/s stored through the entry path`);
      console.log(`    cpu per event until stored: ${split(storeUse)}`);
      console.log(`  triggers: ${(afterDrain.fired ?? 0) - firedBefore} fired (${afterDrain.coalesced ?? 0} cart changes coalesced so far, ${afterDrain.dead ?? 0} dead); ${firedDuring} by the time every event was stored, the rest ${drainS.toFixed(1)} s later`);
      console.log(`  until every trigger reached Temporal: ${(TOTAL / (seconds + storeS + drainS)).toFixed(0)} events/s; cpu per event ${split(drainUse)}`);
      console.log(`  plain multi-row INSERT of the same number of rows: ${before.rowsPerS.toFixed(0)} rows/s before the round, ${after.rowsPerS.toFixed(0)} after; cpu per row ${perEvent(after.use.self)} in this process + ${perEvent(after.use.postgres)} in Postgres`);
      console.log(`  round ratio: ${eventsPerS.toFixed(0)} / ${insertPerS.toFixed(0)} = ${ratio.toFixed(2)}`);
    }
    await raw.end();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    children.length = 0;

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    allLatencies.sort((a, b) => a - b);
    console.log(`rounds: events/s ${rounds.map((r) => r.eventsPerS.toFixed(0)).join(', ')}; ratios ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}; plain INSERT ${baselines.map((b) => b.rowsPerS.toFixed(0)).join(', ')} rows/s`);
    console.log(`ingest events_per_s=${median(rounds.map((r) => r.eventsPerS)).toFixed(0)} insert_ratio=${median(rounds.map((r) => r.ratio)).toFixed(2)} p99_ms=${percentile(allLatencies, 99).toFixed(1)}`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await temporalServer.stop();
    await database.close();
  }
}

/** A slice of messages as the batch endpoint's request bodies. */
function bodiesOf(messages: Message[]): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < messages.length; i += BATCH) bodies.push(JSON.stringify({ batch: messages.slice(i, i + BATCH) }));
  return bodies;
}

/** Posts the bodies from a worker thread (bench/load-client.mjs), round-robin over the API processes. */
function load(urls: string[], key: string, bodies: string[], concurrency: number): Promise<{ seconds: number; latencies: number[]; refused: number }> {
  const bytes = bodies.map((b) => new TextEncoder().encode(b));
  const client = new Worker(new URL('./load-client.mjs', import.meta.url), { workerData: { urls, key, bodies: bytes, concurrency }, transferList: bytes.map((b) => b.buffer) });
  return new Promise((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
  });
}

/**
 * Waits until the ingest queue is empty: every accepted event stored (or refused) by the ingest worker.
 * Every 200 ms: each look is a count of the queue, which at 50 ms cost ~8 µs of Postgres per stored event.
 */
async function stored(database: Parameters<typeof queueDepth>[0]): Promise<void> {
  while ((await queueDepth(database)) > 0) await new Promise((r) => setTimeout(r, 200));
}

/** Waits until the outbox has nothing left to fire. */
async function drain(database: Parameters<typeof queueDepth>[0]): Promise<void> {
  for (;;) {
    const c = await outboxCounts({ database });
    if (!c.pending && !c.firing) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

await main();
