import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { buildApi } from '../api/app.ts';
import { experimentExposures } from '../db/schema-experiments.ts';
import { decisions, dispatches } from '../db/schema.ts';
import type { CanonicalEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { workflowBundle } from '../workers/bundle.ts';
import type { JourneyResult } from '../workflows/types.ts';
import { assignVariant } from './assign.ts';
import { withExperiments } from './decide-hook.ts';
import type { ExperimentResults } from './results.ts';
import type { Experiment } from './store.ts';

// An experiment created through the API runs through real cart-abandon journeys (time-skipping
// Temporal, the real activities with decide under withExperiments) and its results add up.
describe('an experiment through real journeys', () => {
  let h: JourneyHarness;
  let api: FastifyInstance;
  let adminKey: string;
  let shopId: string;
  beforeAll(async () => {
    h = await createJourneyHarness();
    shopId = await seedShop(h.database, 'shop-exp');
    adminKey = await createApiKey(h.database.db, shopId, ['admin']);
    api = buildApi({ config: { TEMPORAL_TASK_QUEUE: h.taskQueue, JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 }, database: h.database, temporal: h.env.client,
      cipher: h.deps.cipher, logger: h.deps.logger, metrics: h.deps.metrics });
    await api.ready();
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  let n = 0;
  async function send(event: Record<string, unknown>) {
    n += 1;
    const effect = await applyEvent(h.deps, shopId, 'api', { eventId: `x${n}`, occurredAt: new Date().toISOString(), ...event } as CanonicalEvent);
    return routeEvent(h.client, shopId, 'api', effect);
  }
  const items = [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }];

  it('assigns, holds out, sends per variant and reports conversions per arm', async () => {
    const created = await api.inject({ method: 'POST', url: '/v1/experiments', headers: { authorization: `Bearer ${adminKey}` }, payload: {
      name: 'copy-test', journeys: ['cart-abandon'], holdoutShare: 0.3,
      variants: [{ key: 'friendly', weight: 1, changes: { copyStyle: 'friendly' } }, { key: 'urgent', weight: 1, changes: { copyStyle: 'urgent' } }],
    } });
    expect(created.statusCode).toBe(201);
    const experiment = created.json() as Experiment;

    // Two customers in each arm: enough to see every path, few enough for a quick test.
    const people: { userId: string; customerId: string; workflowId: string; arm: ReturnType<typeof assignVariant> }[] = [];
    for (let i = 0; people.length < 6 && i < 200; i++) {
      const userId = `exp-user-${i}`;
      const customerId = await seedCustomer(h.deps, shopId, { userId });
      const arm = assignVariant(experiment, customerId);
      if (people.filter((p) => p.arm.variant === arm.variant).length >= 2) continue;
      const [workflowId] = await send({ type: 'cart_updated', customer: { userId }, cartId: `cart-${i}`, currency: 'EUR', items });
      people.push({ userId, customerId, workflowId: workflowId!, arm });
    }
    expect(people.map((p) => p.arm.variant).sort()).toEqual(['friendly', 'friendly', 'holdout', 'holdout', 'urgent', 'urgent']);

    const activities = createActivities(h.deps);
    const worker = await Worker.create({
      connection: h.env.nativeConnection, namespace: h.env.namespace ?? 'default', taskQueue: h.taskQueue, workflowBundle: await workflowBundle(),
      activities: { ...activities, decide: withExperiments(activities.decide, { db: h.database.db, now: () => new Date() }) },
    });
    const results = await worker.runUntil(async () => {
      await h.env.sleep('2 hours');
      // Half of everyone orders while their journey awaits a conversion (or after the holdout's ended).
      for (const [i, p] of people.entries()) {
        if (i % 2 === 0) await send({ type: 'order_placed', customer: { userId: p.userId }, orderId: `order-${i}`, currency: 'EUR', totalMinor: 1800, discountMinor: 0, lines: items });
      }
      // Past every attribution window: explicit, so other journeys the orders started (cross-sell)
      // cannot hold the test server's clock back.
      await h.env.sleep('8 days');
      return Promise.all(people.map((p) => h.env.client.workflow.getHandle(p.workflowId).result() as Promise<JourneyResult>));
    });

    for (const [i, p] of people.entries()) {
      const exposures = await h.database.db.select().from(experimentExposures).where(eq(experimentExposures.workflowId, p.workflowId));
      expect(exposures.map((e) => e.variant)).toContain(p.arm.variant);
      const sent = await h.database.db.select().from(dispatches).where(eq(dispatches.workflowId, p.workflowId));
      if (p.arm.holdout) {
        expect(sent, `holdout customer ${i} got a message`).toHaveLength(0);
        const [decision] = await h.database.db.select().from(decisions).where(eq(decisions.workflowId, p.workflowId));
        expect(decision?.decision).toMatchObject({ action: 'none', reason: 'holdout', variant: 'copy-test/holdout', propensities: { variant: 0.3 } });
      } else {
        expect(sent.length).toBeGreaterThan(0);
        expect(sent.every((d) => d.variant === `copy-test/${p.arm.variant}`)).toBe(true);
        const [decision] = await h.database.db.select().from(decisions).where(eq(decisions.workflowId, p.workflowId));
        expect(decision?.decision).toMatchObject({ action: 'send', variant: `copy-test/${p.arm.variant}`, propensities: { variant: 0.35 } });
        if (i % 2 === 0) expect(results[i]!.outcome).toBe('converted');
      }
    }

    const response = await api.inject({ url: '/v1/experiments/copy-test/results', headers: { authorization: `Bearer ${adminKey}` } });
    expect(response.statusCode).toBe(200);
    const report = response.json() as ExperimentResults;
    for (const arm of report.arms) {
      const members = people.filter((p) => p.arm.variant === arm.variant);
      expect(arm.exposed).toBe(members.length);
      expect(arm.converted).toBe(members.filter((p) => people.indexOf(p) % 2 === 0).length);
      expect(arm.sent).toBe(arm.holdout ? 0 : members.length);
      if (!arm.holdout) expect(arm.attributedOrders).toBe(members.filter((p) => people.indexOf(p) % 2 === 0).length);
    }
    expect(report.arms.map((a) => a.variant).sort()).toEqual(['friendly', 'holdout', 'urgent']);
    const probabilities = report.arms.filter((a) => !a.holdout).map((a) => a.probabilityBest!);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  }, 240_000);
});
