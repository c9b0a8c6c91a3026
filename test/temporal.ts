import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import type { ChannelSender } from '../channels/types.ts';
import type { Database } from '../db/client.ts';
import type { JourneyClientDeps } from '../journeys/deps.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { findTemporalBinary } from '../lib/temporal-binaries.ts';
import { ensureSearchAttributes } from '../runtime/search-attributes.ts';
import { sdkLogger } from '../workers/sdk-logger.ts';
import { createJourneyWorker } from '../workers/worker.ts';
import type { Channel } from '../workflows/types.ts';
import { createTestDatabase } from './db.ts';

export const TEST_PII_KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** Temporal's time-skipping test server, from the binary our installer provides. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: findTemporalBinary('temporal-test-server') } },
  });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export interface JourneyHarness {
  env: TestWorkflowEnvironment;
  database: Database;
  deps: ActivityDeps;
  client: JourneyClientDeps;
  outboxDir: string;
  taskQueue: string;
  /** A worker with the real activities, for the duration of `fn`. */
  withWorker<T>(fn: (worker: Worker) => Promise<T>, senders?: Partial<Record<Channel, ChannelSender>>): Promise<T>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Inside an activity, "now" is the time-skipping server's clock (when it scheduled this attempt), so
 * rules judged at send time (quiet hours, caps) see the same time as the workflow that slept until then.
 */
export function serverClock(): Date {
  try {
    return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return new Date();
  }
}

/** Real Temporal (time-skipping), a real database and the real activities; only the clock is fast. */
export async function createJourneyHarness(options: { logger?: Logger } = {}): Promise<JourneyHarness> {
  // A test may bring its own logger (to read what was logged); the SDK's runtime logs through it too.
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  if (!runtimeInstalled) {
    Runtime.install({ logger: sdkLogger(logger) });
    runtimeInstalled = true;
  }
  const env = await createTimeSkippingEnv();
  const database = await createTestDatabase();
  const metrics = createMetrics();
  const outboxDir = mkdtempSync(join(tmpdir(), 'nextbest-outbox-'));
  const taskQueue = `test-${Math.random().toString(36).slice(2)}`;
  const client: JourneyClientDeps = { temporal: env.client, database, taskQueue, timeScale: 1, logger, metrics };
  const deps: ActivityDeps = { database, logger, metrics, cipher: new PiiCipher(TEST_PII_KEY), outboxDir, timeScale: 1, journeys: client };
  return {
    env,
    database,
    deps,
    client,
    outboxDir,
    taskQueue,
    async withWorker(fn, senders) {
      const worker = await createJourneyWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        deps: { ...deps, now: serverClock },
        ...(senders ? { senders } : {}),
      });
      return worker.runUntil(fn(worker));
    },
    async close() {
      await env.teardown();
      await database.close();
    },
  };
}
