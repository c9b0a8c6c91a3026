import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, journeys, orders } from '../db/schema.ts';
import { shopModelStates } from '../db/schema-models.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { modelMaintenanceWorkflow } from './model-maintenance.ts';

describe('scheduled model maintenance (time-skipping server, real activities)', () => {
  let h: JourneyHarness;
  beforeAll(async () => {
    h = await createJourneyHarness();
  });
  afterAll(async () => h?.close());

  it('refits the shop, turns a long-quiet customer lapsed and starts their win-back once', async () => {
    const shopId = await seedShop(h.database, 'shop-maint');
    const quiet = await seedCustomer(h.deps, shopId);
    await h.database.db.insert(orders).values({ id: 'o-maint', shopId, source: 'api', sourceId: 'o-maint', customerId: quiet, status: 'paid',
      currency: 'EUR', totalMinor: 4200, placedAt: new Date(Date.now() - 400 * 86_400_000) });
    const run = () =>
      h.withWorker(() =>
        h.env.client.workflow.execute(modelMaintenanceWorkflow, { args: [{ version: 1, refit: true }], taskQueue: h.taskQueue, workflowId: `maint-${Math.random()}` }),
      );
    const [result] = await run();
    expect(result).toMatchObject({ shopId, stageChanges: 1, winBacksStarted: 1 });
    const [customer] = await h.database.db.select().from(customers).where(eq(customers.id, quiet));
    expect(customer?.stage).toBe('lapsed');
    const started = await h.database.db.select().from(journeys).where(eq(journeys.customerId, quiet));
    expect(started.map((j) => j.journey)).toEqual(['win-back']);
    const [shop] = await h.database.db.select().from(shopModelStates).where(eq(shopModelStates.shopId, shopId));
    expect(shop?.retrainedAt).toBeInstanceOf(Date);
    // The next night finds nothing new: no second win-back.
    const [again] = await run();
    expect(again).toMatchObject({ stageChanges: 0, winBacksStarted: 0 });
  });
});
