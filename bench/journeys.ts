import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { createDatabase } from '../db/client.ts';
import { createTestDatabase } from '../test/db.ts';
import { cpuMeter, type CpuUse } from './cpu.ts';
import { products, shops } from '../db/schema.ts';
import { applyEvent } from '../ingest/entry.ts';
import { journeyTiming } from '../journeys/timing.ts';
import { startWinBack } from '../journeys/win-back.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { startDevServer } from '../runtime/dev-server.ts';
import { daytimeZone } from '../scripts/demo/seed.ts';
import { sdkLogger } from '../workers/sdk-logger.ts';
import { createJourneyWorker } from '../workers/worker.ts';

// npm run bench:journeys [-- N]: N win-back journeys (decide → re-check → dispatch to the outbox →
// attribution window → outcome, the full kernel) against a Temporal dev server with one worker, then N
// no-op workflows on the same server as the baseline. Waits are compressed so a journey lasts ~1 s of
// timers; what is measured is the server, worker and database work. A third phase runs workflows that
// only sleep out the same window, the ceiling for any journey that waits. Last line: machine-readable.
const N = Number(process.argv[2] ?? process.env.BENCH_JOURNEYS ?? 300);
const TIME_SCALE = 2e-6; // the 7-day attribution window becomes ~1.2 s

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  }).on('error', reject);
});

async function main(): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  Runtime.install({ logger: sdkLogger(logger) });
  const dataDir = mkdtempSync(join(tmpdir(), 'nextbest-bench-journeys-'));
  const server = await startDevServer({ dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'default', logger });
  // With DATABASE_URL: a database of its own on that server, dropped afterwards; else in-memory PGlite.
  const database = process.env.DATABASE_URL ? await createTestDatabase('postgres') : createDatabase();
  try {
    await database.migrate();
    const shopId = `bench-${Date.now().toString(36)}`;
    await database.db.insert(shops).values({ id: shopId, name: 'Bench shop', currency: 'EUR', quietStartMinute: 0, quietEndMinute: 0 });
    await database.db.insert(products).values({ shopId, id: 'p-1', title: 'Bench item', category: 'bench', priceMinor: 1000, currency: 'EUR', stock: null });
    const cipher = new PiiCipher('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef');
    const timezone = daytimeZone();
    const customers: string[] = [];
    for (let i = 0; i < N; i++) {
      const effect = await applyEvent({ database, cipher }, shopId, 'bench', { type: 'customer_updated', eventId: `c${i}`, occurredAt: new Date().toISOString(),
        customer: { userId: `u${i}`, email: `bench${i}@example.com`, timezone }, consents: [{ channel: 'email', granted: true }] });
      if (!effect.duplicate) customers.push(effect.customerId);
    }

    const native = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const metrics = createMetrics();
    const outboxDir = join(dataDir, 'outbox');
    const deps = { database, logger, metrics, cipher, outboxDir, timeScale: TIME_SCALE };
    const journeyWorker = await createJourneyWorker({ connection: native, namespace: 'default', taskQueue: 'bench-journeys', deps });
    const meter = { children: { server: server.pid }, database };
    const journeysPerS = await measure('journeys', journeyWorker, meter, async () => {
      const ids = await Promise.all(customers.map((customerId) =>
        startWinBack({ temporal: client, database, taskQueue: 'bench-journeys', timeScale: TIME_SCALE, logger, metrics }, { shopId, customerId, stage: 'at-risk', at: new Date() })));
      await completed(client, 'winBackJourney', ids.length);
    });

    const baselineBundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    // A worker runs once (runUntil shuts it down): one per baseline phase, alike.
    const baselineWorker = () => Worker.create({ connection: native, taskQueue: 'bench-noop', activities: createActivities(deps), workflowBundle: baselineBundle });
    const noopPerS = await measure('no-op workflows', await baselineWorker(), meter, async () => {
      const handles = await Promise.all(customers.map((_, i) => client.workflow.start('noopWorkflow', { workflowId: `noop-${i}`, taskQueue: 'bench-noop' })));
      await completed(client, 'noopWorkflow', handles.length);
    });
    const { attributionWindowMs } = journeyTiming('win-back', TIME_SCALE);
    const sleepPerS = await measure('sleep-once workflows', await baselineWorker(), meter, async () => {
      const handles = await Promise.all(customers.map((_, i) => client.workflow.start('sleepOnceWorkflow', { workflowId: `sleep-${i}`, taskQueue: 'bench-noop', args: [attributionWindowMs] })));
      await completed(client, 'sleepOnceWorkflow', handles.length);
    });
    console.log(`ceiling: a workflow that only sleeps out the attribution window runs at ${(sleepPerS / noopPerS).toFixed(3)} of the no-op rate; journeys at ${(journeysPerS / sleepPerS).toFixed(3)} of it`);
    await connection.close();
    await native.close();
    console.log(`journeys per_s=${journeysPerS.toFixed(1)} noop_ratio=${(journeysPerS / noopPerS).toFixed(3)}`);
  } finally {
    await database.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Waits until `n` workflows of the type have completed, asking the server's visibility store every 100 ms
 * (one cheap count for all, the same for both phases) rather than long-polling each workflow's result:
 * a result poll wakes at every event its workflow appends, which would charge the harness's own polling
 * to the journeys, whose histories are longer. Fails if any of them did not complete successfully.
 */
async function completed(client: Client, workflowType: string, n: number): Promise<void> {
  for (;;) {
    const { count } = await client.workflow.count(`WorkflowType = '${workflowType}' AND ExecutionStatus != 'Running'`);
    if (count >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { count: ok } = await client.workflow.count(`WorkflowType = '${workflowType}' AND ExecutionStatus = 'Completed'`);
  if (ok < n) throw new Error(`${n - ok} ${workflowType} workflows did not complete successfully`);
}

/**
 * Runs one phase and prints its rate and its CPU per workflow: the Temporal server, this process (the
 * worker with its local activities, and the client starting and awaiting), and Postgres's backends.
 */
async function measure(label: string, worker: Worker, meter: Parameters<typeof cpuMeter>[0], run: () => Promise<void>): Promise<number> {
  const stop = await cpuMeter(meter);
  const started = performance.now();
  await worker.runUntil(run());
  const seconds = (performance.now() - started) / 1000;
  const use: CpuUse = await stop();
  const rate = N / seconds;
  const per = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${(ms / N).toFixed(2)} ms`);
  console.log(`${label}: ${N} completed in ${seconds.toFixed(2)} s = ${rate.toFixed(1)}/s; cpu per workflow: server ${per(use.children.server)}, `
    + `worker and client ${per(use.self)}, postgres ${per(use.postgres)}`);
  return rate;
}

main().catch((error: unknown) => {
  console.error(`bench:journeys failed: ${(error as Error).message}`);
  process.exit(1);
});
