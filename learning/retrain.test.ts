import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { orders } from '../db/schema.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { PRIOR_STRENGTH } from '../models/refit.ts';
import { newCustomerModelState, newDiscountSegmentState } from '../models/state.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { loadShopModel, saveCustomerModel, saveDiscountSegment } from './model-store.ts';
import { retrainShop } from './retrain.ts';

describe('scheduled retrain of a shop', () => {
  let database: Database;
  const now = new Date('2026-06-10T12:00:00Z');
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('refits channel priors and send-time curves from customers, and sweeps stages', async () => {
    const shopId = await seedShop(database, 'shop-retrain');
    const deps = { database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('ab'.repeat(32)) };
    // 10 customers, each 4 e-mail engagements in 20 sends at Monday 10:00 UTC: the shop's rate is 20 %.
    for (let i = 0; i < 10; i++) {
      const customerId = await seedCustomer(deps, shopId);
      const state = newCustomerModelState('UTC', now.toISOString());
      state.channels.email = { successes: 4, failures: 16, asOf: now.toISOString() };
      state.sendTime.email = { hours: { '10': 4 }, asOf: now.toISOString() };
      await database.db.transaction((tx) => saveCustomerModel(tx, shopId, customerId, state));
    }
    const lapsing = await seedCustomer(deps, shopId);
    await database.db.insert(orders).values({ id: 'o-old', shopId, source: 'api', sourceId: 'o-old', customerId: lapsing, status: 'paid',
      currency: 'EUR', totalMinor: 4000, placedAt: new Date('2025-06-01T12:00:00Z') });

    // Two discount segments: 12 of 40 and 6 of 20 engaged sends without a discount converted (tier 5's evidence is no part of it).
    for (const [segment, converted, trials] of [['stage:new', 12, 40], ['stage:active', 6, 20]] as const) {
      const d = newDiscountSegmentState(segment, now.toISOString());
      d.tiers[0] = { successes: converted, failures: trials - converted, asOf: now.toISOString() };
      d.tiers[1] = { successes: 9, failures: 1, asOf: now.toISOString() };
      await database.db.transaction((tx) => saveDiscountSegment(tx, shopId, d));
    }

    const result = await retrainShop(database, shopId, now);
    expect(result.customers).toBe(10);
    // Laplace-smoothed (40 + 1) / (200 + 2). The customers engage exactly alike, so the prior gets the
    // most a pooled prior may be worth (models/refit.ts fits its strength from how customers differ).
    expect(result.priors.email?.all.rate).toBeCloseTo(41 / 202, 6);
    expect(result.priors.email?.all.strength).toBe(PRIOR_STRENGTH.maxStrength);
    // The stage's 40 of 200 with the shop's prior (41/202 worth 200 sends) as its prior (models/refit.ts stagePrior).
    expect(result.priors.email?.byStage?.new?.rate).toBeCloseTo((40 + (200 * 41) / 202) / (200 + 200), 6);
    expect(result.stageChanges).toEqual([{ customerId: lapsing, change: expect.objectContaining({ from: 'new', to: 'lapsed', startsWinBack: true }) }]);

    const shop = await loadShopModel(database.db, shopId);
    expect(shop.state.channelPriors.email?.all.rate).toBeCloseTo(41 / 202, 6);
    // The discount prior's rate is the pooled undiscounted conversion, (18 + 1) / (60 + 2); its strength stays.
    expect(shop.state.discount.prior).toEqual({ rate: 19 / 62, strength: 20 });
    const curve = shop.state.sendTime.population.email!;
    expect(curve).toHaveLength(168);
    expect(curve.indexOf(Math.max(...curve))).toBe(10);
    // A second run finds nothing new to change.
    expect((await retrainShop(database, shopId, now)).stageChanges).toEqual([]);
  });
});
