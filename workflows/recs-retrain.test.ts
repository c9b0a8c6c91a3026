import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecsActivities } from '../activities/recs.ts';
import type { Database } from '../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { RecsService } from '../recs-store/service.ts';
import { createTestShop } from '../recs-store/test-shop.ts';
import { scheduleDefinitions } from '../runtime/schedules.ts';
import { createTestDatabase } from '../test/db.ts';
import { createTimeSkippingEnv } from '../test/temporal.ts';
import { recsRetrainWorkflow } from './recs-retrain.ts';

let env: TestWorkflowEnvironment;
let database: Database;
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  [env, database] = await Promise.all([createTimeSkippingEnv(), createTestDatabase()]);
});
afterAll(async () => {
  await env?.teardown();
  await database?.close();
});

describe('recsRetrainWorkflow', () => {
  it('retrains the caches of the worker that runs it, picking up what the cache had not folded in', async () => {
    const shop = await createTestShop(database, 'shop-retrain', [['a', 'x', 5], ['b', 'x', 5], ['c', 'y', 5]]);
    const at = new Date(Date.now() - 3_600_000);
    await shop.view('u1', 'a', at);
    await shop.view('u1', 'b', at);
    // A cache that never looks for new events: only the retrain can bring them in.
    const service = new RecsService({ database, logger: createLogger('silent'), maxStalenessMs: Infinity });
    const customerId = await shop.customerKey('u2', at);
    const ask = () => service.recommend({ shopId: 'shop-retrain', customerId, journey: 'browse-abandon', productIds: ['c'], limit: 3 });
    expect((await ask()).items.filter((i) => i.source === 'session-knn')).toEqual([]);
    const trainedAt = service.status('shop-retrain')!.trainedAt;
    await shop.view('u3', 'c', new Date());
    await shop.view('u3', 'a', new Date());

    const taskQueue = `recs-retrain-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./recs-retrain.ts', import.meta.url)),
      activities: createRecsActivities(service),
    });
    const summaries = await worker.runUntil(env.client.workflow.execute(recsRetrainWorkflow, { taskQueue, workflowId: `recs-retrain-${taskQueue}`, args: [{ version: 1 }] }));

    expect(summaries.map((s) => [s.shopId, s.signals])).toEqual([['shop-retrain', 4]]);
    expect(service.status('shop-retrain')!.trainedAt).toBeGreaterThanOrEqual(trainedAt);
    expect((await ask()).items.find((i) => i.source === 'session-knn')?.productId).toBe('a');
  });

  it('is scheduled weekly by default and daily as an option', () => {
    const spec = (cadence: 'daily' | 'weekly') => scheduleDefinitions('q', cadence).find((s) => s.scheduleId === 'nextbest-recs-retrain');
    expect(spec('weekly')?.spec.calendars).toEqual([{ dayOfWeek: 'SUNDAY', hour: 2, minute: 30 }]);
    expect(spec('daily')?.spec.calendars).toEqual([{ hour: 2, minute: 30 }]);
    expect(spec('weekly')?.action).toMatchObject({ workflowType: 'recsRetrainWorkflow', args: [{ version: 1 }] });
  });
});
