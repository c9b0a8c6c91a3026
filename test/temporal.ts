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
  /**
   * Gives back the time-skipping lock the test server keeps for each abandoned child that closed after
   * its parent (see releaseOrphanedChildLocks); call it once the given workflows are closed.
   */
  releaseOrphanedChildLocks(workflowIds: Iterable<string>): Promise<number>;
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

// Closings after which the test server notifies the parent (holding the lock until it answers). A
// termination takes no such lock: the quiet-hours and duplicate scenarios terminate their journeys
// and the later scenarios still skip time.
const NOTIFYING_CLOSE = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/**
 * The time-skipping test server's leak with abandoned children (temporalio/sdk-java#2392, also
 * sdk-typescript#1101): when a child closes it locks time skipping "to be unlocked by the parent" and
 * reports to the parent; a parent that already closed (a campaign, whose journeys are
 * ParentClosePolicy.ABANDON children that outlive it) answers NOT_FOUND, and the lock is never
 * released. Each such child then stops time skipping for good: `env.sleep` waits in real time. This
 * gives that one lock back, once per child run that closed after its parent (tracked in `released`).
 * Returns how many it released. A real server has no such lock, so the product needs no change.
 */
export async function releaseOrphanedChildLocks(env: TestWorkflowEnvironment, workflowIds: Iterable<string>, released: Set<string>): Promise<number> {
  const testService = env.connection.testService;
  if (!testService) throw new Error('releaseOrphanedChildLocks needs the time-skipping test server (its test service is missing)');
  let count = 0;
  for (const id of new Set(workflowIds)) {
    const child = await env.client.workflow.getHandle(id).describe();
    if (!child.parentExecution || !child.closeTime || !NOTIFYING_CLOSE.has(child.status.name) || released.has(child.runId)) continue;
    const { workflowId: parentId, runId: parentRunId } = child.parentExecution;
    if (!parentId) continue;
    const parent = await env.client.workflow.getHandle(parentId, parentRunId ?? undefined).describe();
    if (!parent.closeTime || parent.closeTime > child.closeTime) continue;
    released.add(child.runId);
    await testService.unlockTimeSkipping({});
    count++;
  }
  return count;
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
  const releasedChildRuns = new Set<string>();
  const client: JourneyClientDeps = { temporal: env.client, database, taskQueue, timeScale: 1, logger, metrics };
  const deps: ActivityDeps = { database, logger, metrics, cipher: new PiiCipher(TEST_PII_KEY), outboxDir, timeScale: 1, journeys: client };
  return {
    env,
    database,
    deps,
    client,
    outboxDir,
    taskQueue,
    releaseOrphanedChildLocks: (workflowIds) => releaseOrphanedChildLocks(env, workflowIds, releasedChildRuns),
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
