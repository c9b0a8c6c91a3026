import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.ts';
import { createDatabase, type Database } from '../db/client.ts';
import type { Config } from '../lib/config.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { createMetrics, type Metrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';
import { sdkLogger } from '../workers/sdk-logger.ts';
import { createJourneyWorker } from '../workers/worker.ts';
import { isDatabaseUnavailable } from '../ingest/errors.ts';
import { startOutboxDispatcher } from '../journeys/outbox-dispatcher.ts';
import { startQueueProcessor, type QueueProcessor } from '../ingest/queue-processor.ts';
import { watchQueueBacklog } from '../ingest/queue.ts';
import { startDevServer, type DevServer } from './dev-server.ts';
import { ensureSchedules } from './schedules.ts';

export interface Stack {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: Database;
  cipher: PiiCipher;
  temporal: Client;
  devServer: DevServer | null;
  worker: Worker | null;
  api: FastifyInstance | null;
  apiUrl: string | null;
  temporalUiUrl: string | null;
  stop(): Promise<void>;
}

export interface StackParts {
  worker: boolean;
  api: boolean;
  /**
   * Ingest's back half: the queue processor storing what the Segment endpoints queue, and the trigger
   * outbox dispatcher firing journey triggers. Any number of processes may run it.
   */
  ingest: boolean;
}

/**
 * Starts what this process runs. Embedded mode (no DATABASE_URL, no TEMPORAL_ADDRESS) starts the
 * Temporal dev server and PGlite itself; otherwise it connects to the configured ones and requires both.
 */
export async function startStack(config: Config, parts: StackParts): Promise<Stack> {
  const logger = createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  if (!config.embedded && (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS)) {
    throw new Error('Set both DATABASE_URL and TEMPORAL_ADDRESS to run against external services, or neither to run embedded.');
  }
  const cipher = new PiiCipher(piiKey(config));
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      await s().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
    stoppers.length = 0;
  };
  try {
    const devServer = config.embedded
      ? await startDevServer({ dataDir: config.DATA_DIR, port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE, logger })
      : null;
    if (devServer) stoppers.push(() => devServer.stop());
    const address = devServer?.address ?? config.TEMPORAL_ADDRESS!;

    // Named after what this process runs (nextbest-api, nextbest-worker, nextbest-ingest, or a combination).
    const applicationName = `nextbest-${[parts.api && 'api', parts.worker && 'worker', parts.ingest && 'ingest'].filter(Boolean).join('+')}`;
    const database = createDatabase(config.embedded ? { dataDir: join(config.DATA_DIR, 'pglite') } : { url: config.DATABASE_URL, applicationName });
    stoppers.push(() => database.close());
    await migrateWithRetry(database, logger, config.embedded ? 'embedded PGlite' : databaseHost(config.DATABASE_URL));

    const metricsBind = `127.0.0.1:${config.WORKER_METRICS_PORT}`;
    installRuntimeOnce(logger, parts.worker ? metricsBind : null);
    const connection = await untilReachable(logger, `Temporal at ${address}`, () => Connection.connect({ address }));
    stoppers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

    let worker: Worker | null = null;
    if (parts.worker) {
      const native = await untilReachable(logger, `Temporal at ${address}`, () => NativeConnection.connect({ address }));
      stoppers.push(() => native.close());
      worker = await createJourneyWorker({
        connection: native,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        deps: {
          database, logger, metrics, cipher, outboxDir: config.outboxDir, timeScale: config.JOURNEY_TIME_SCALE,
          journeys: { temporal, database, taskQueue: config.TEMPORAL_TASK_QUEUE, timeScale: config.JOURNEY_TIME_SCALE, logger, metrics },
        },
      });
      await ensureSchedules(temporal, config.TEMPORAL_TASK_QUEUE, config.MODEL_RETRAIN);
      const running = worker.run();
      const w = worker;
      stoppers.push(async () => {
        if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      });
    }

    // Ingest's back half, before the API so the API can nudge it.
    let ingestQueue: QueueProcessor | null = null;
    if (parts.ingest) {
      const processor = startQueueProcessor({ database, cipher, logger, metrics });
      ingestQueue = processor;
      stoppers.push(() => processor.stop());
      const dispatcher = startOutboxDispatcher({ temporal, database, taskQueue: config.TEMPORAL_TASK_QUEUE, timeScale: config.JOURNEY_TIME_SCALE, logger, metrics });
      stoppers.push(() => dispatcher.stop());
    }

    let api: FastifyInstance | null = null;
    let apiUrl: string | null = null;
    if (parts.api) {
      // The Segment endpoints queue events: the API nudges its own processor, and refuses with 429
      // while the queue is over its limit whoever processes it.
      const backlog = watchQueueBacklog(database);
      api = buildApi({
        config, database, temporal, cipher, logger, metrics,
        ingestQueue: { nudge: () => ingestQueue?.nudge(), overloaded: backlog.overloaded },
        ...(parts.worker ? { temporalMetricsUrl: `http://${metricsBind}/metrics` } : {}),
      });
      await api.listen({ host: config.API_HOST, port: config.API_PORT });
      apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
      const a = api;
      stoppers.push(() => a.close());
    }
    logger.info({ embedded: config.embedded, worker: parts.worker, api: apiUrl, ingest: parts.ingest }, 'nextbest started');
    return {
      config, logger, metrics, database, cipher, temporal, devServer, worker, api, apiUrl,
      temporalUiUrl: devServer?.uiUrl ?? null,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** host:port/database of a Postgres URL, without its credentials, for log lines. */
function databaseHost(url: string | undefined): string {
  try {
    const u = new URL(url ?? '');
    return `${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

let runtimeInstalled = false;
/** The SDK's logs go through our JSON logger; its worker metrics to a Prometheus exporter. */
function installRuntimeOnce(logger: Logger, metricsBind: string | null): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: sdkLogger(logger),
    ...(metricsBind ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind } } } } : {}),
  });
  runtimeInstalled = true;
}

/**
 * Migrates before anything else uses the database. Postgres not reachable yet (a process started
 * during an outage, or before the database) is waited for, retrying every few seconds with a log
 * line each time, instead of the process dying. Two processes (API and worker) may migrate at once;
 * the loser retries and finds nothing to do.
 */
async function migrateWithRetry(database: Database, logger: Logger, where: string): Promise<void> {
  const started = Date.now();
  for (let attempt = 1, failures = 0; ; attempt++) {
    try {
      await database.migrate();
      if (attempt > 1) logger.info({ database: where, waitedS: Math.round((Date.now() - started) / 1000) }, 'database reachable: migrations done');
      return;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        const waitS = Math.min(2 ** Math.min(attempt - 1, 3), 5);
        logger.warn({ database: where, reason: unavailableReason(error), attempt }, `database not reachable at start-up: waiting for it, next try in ${waitS} s`);
        await new Promise((r) => setTimeout(r, waitS * 1000));
        continue;
      }
      if (++failures >= 3) throw error;
      await new Promise((r) => setTimeout(r, 1000 * failures));
    }
  }
}

/**
 * A process started while Temporal is down (restarting, or not up yet) waits for it with a log line
 * per try instead of exiting; the SDK's connect already waits about 10 s per try.
 */
async function untilReachable<T>(logger: Logger, what: string, connect: () => Promise<T>): Promise<T> {
  // Stopped while waiting: nothing is running yet, so exit (the SDK's Runtime would swallow the first signal).
  const quit = (signal: NodeJS.Signals) => {
    logger.warn({ signal }, `stopped while waiting for ${what}`);
    process.exit(1);
  };
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const connected = await connect();
        if (attempt > 1) logger.info({ attempt }, `${what} reachable`);
        return connected;
      } catch (error) {
        logger.warn({ reason: unavailableReason(error), attempt }, `${what} not reachable at start-up: waiting for it, next try in 2 s`);
        if (attempt === 1) process.once('SIGTERM', quit).once('SIGINT', quit);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  } finally {
    process.off('SIGTERM', quit).off('SIGINT', quit);
  }
}

/** The innermost message of a driver error chain (drizzle wraps the driver's error in `cause`). */
function unavailableReason(error: unknown): string {
  let e = error as { message?: unknown; cause?: unknown };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return String(e.message ?? e);
}

/** Stops the stack on SIGINT / SIGTERM and exits. */
export function stopOnSignals(stack: Stack): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stack.logger.info({ signal }, 'shutting down');
      void stack.stop().then(() => process.exit(0));
    });
  }
}
