import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { experimentExposures } from '../db/schema-experiments.ts';
import { shops } from '../db/schema.ts';
import { createTestDatabase } from '../test/db.ts';
import { assignVariant } from './assign.ts';
import { experimentDefinition } from './definition.ts';
import { assignForDecision } from './for-decision.ts';
import { createExperiment, ExperimentConflictError, findExperiment, stopExperiment } from './store.ts';

describe('assignForDecision', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(shops).values([{ id: 'shop-a', name: 'A', currency: 'EUR' }, { id: 'shop-b', name: 'B', currency: 'EUR' }]);
  });
  afterAll(async () => database?.close());

  const define = (over: Record<string, unknown> = {}) =>
    experimentDefinition.parse({
      name: 'copy-test', journeys: ['cart-abandon'], holdoutShare: 0.2,
      variants: [{ key: 'friendly', weight: 1, changes: { copyStyle: 'friendly' } }, { key: 'urgent', weight: 1, changes: { copyStyle: 'urgent', discountPolicy: 'none' } }],
      ...over,
    });
  const ref = (customerId: string, step = 1, journey = 'cart-abandon') =>
    ({ shopId: 'shop-a', customerId, journey, workflowId: `${journey}:shop-a:${customerId}:cart-1`, step });

  it('returns null when no running experiment covers the journey', async () => {
    expect(await assignForDecision(database.db, ref('cus_none'))).toBeNull();
  });

  it('assigns by the hash, records one exposure per step and returns it again on a retry', async () => {
    const experiment = await createExperiment(database.db, 'shop-a', define());
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await assignForDecision(database.db, ref(`cus_${i}`)));
    for (const [i, r] of results.entries()) {
      const expected = assignVariant(experiment, `cus_${i}`);
      expect(r).toMatchObject({ experimentId: experiment.id, variant: expected.variant, holdout: expected.holdout, propensity: expected.propensity, label: `copy-test/${expected.variant}` });
      if (!r!.holdout) expect(r!.changes.copyStyle).toBe(r!.variant);
    }
    expect(results.some((r) => r!.holdout)).toBe(true);
    const again = await assignForDecision(database.db, ref('cus_7'));
    expect(again).toEqual(results[7]);
    const rows = await database.db.select().from(experimentExposures).where(eq(experimentExposures.experimentId, experiment.id));
    expect(rows).toHaveLength(60);
  });

  it('records the holdout exposure too', async () => {
    const holdout = (await database.db.select().from(experimentExposures).where(eq(experimentExposures.holdout, true)));
    expect(holdout.length).toBeGreaterThan(0);
    expect(holdout.every((r) => r.variant === 'holdout' && r.propensity === 0.2)).toBe(true);
  });

  it('keeps a customer in the same arm on a later step and journey run', async () => {
    const first = await assignForDecision(database.db, ref('cus_3', 1));
    const second = await assignForDecision(database.db, { ...ref('cus_3', 2), workflowId: 'cart-abandon:shop-a:cus_3:cart-2' });
    expect(second?.variant).toBe(first?.variant);
  });

  it('ignores journeys the experiment does not cover and other shops', async () => {
    expect(await assignForDecision(database.db, ref('cus_1', 1, 'win-back'))).toBeNull();
    expect(await assignForDecision(database.db, { ...ref('cus_1'), shopId: 'shop-b' })).toBeNull();
  });

  it('refuses a second running experiment on the same journey, and a taken name', async () => {
    await expect(createExperiment(database.db, 'shop-a', define({ name: 'other' }))).rejects.toThrow(ExperimentConflictError);
    await expect(createExperiment(database.db, 'shop-a', define({ journeys: ['win-back'] }))).rejects.toThrow(/named "copy-test"/);
    expect((await createExperiment(database.db, 'shop-a', define({ name: 'winback-test', journeys: ['win-back'] }))).name).toBe('winback-test');
    expect((await createExperiment(database.db, 'shop-b', define())).shopId).toBe('shop-b');
  });

  it('stops assigning after the experiment stops, but a retried step keeps its arm', async () => {
    const before = await assignForDecision(database.db, ref('cus_9'));
    await stopExperiment(database.db, 'shop-a', 'copy-test');
    expect((await findExperiment(database.db, 'shop-a', 'copy-test'))?.status).toBe('stopped');
    expect(await assignForDecision(database.db, ref('cus_new'))).toBeNull();
    expect(await assignForDecision(database.db, ref('cus_9'))).toEqual(before);
  });
});
