import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { customers, dispatches, orders } from '../db/schema.ts';
import { createRecordOutcome } from '../activities/outcome.ts';
import { recordDispatchOutcome } from '../channels/feedback.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { applyOutcomeToModels } from './apply-outcome.ts';
import { discountSegmentKey, loadCustomerModel, loadDiscountSegment } from './model-store.ts';
import { recomputeStage } from './stage.ts';

describe('learning loop', () => {
  let database: Database;
  let shopId: string;
  const deps = () => ({ database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('ab'.repeat(32)) });
  beforeAll(async () => {
    database = await createTestDatabase();
    shopId = await seedShop(database);
  });
  afterAll(async () => database?.close());

  const now = new Date('2026-06-10T12:00:00Z');

  it('a click raises the channel posterior once, however often it is applied', async () => {
    const customerId = await seedCustomer(deps(), shopId, { timezone: 'Europe/Berlin' });
    const outcome = { shopId, customerId, dispatchId: 'dsp_1', channel: 'sms', kind: 'clicked' as const, at: now, discountTier: 0 };
    expect(await database.db.transaction((tx) => applyOutcomeToModels(tx, outcome))).toBe(true);
    expect(await database.db.transaction((tx) => applyOutcomeToModels(tx, outcome))).toBe(false);
    const state = await loadCustomerModel(database.db, shopId, customerId, 'Europe/Berlin', now.toISOString());
    expect(state.channels.sms?.successes).toBeCloseTo(1, 6);
    expect(state.channels.sms?.failures ?? 0).toBe(0);
    // The engagement's local hour of week (Wednesday 14:00 in Berlin) is evidence for send time.
    expect(Object.keys(state.sendTime.sms?.hours ?? {})).toHaveLength(1);
  });

  it('a conversion after a click counts for the discount tier the send carried', async () => {
    const customerId = await seedCustomer(deps(), shopId);
    for (const kind of ['clicked', 'converted'] as const) {
      await database.db.transaction((tx) => applyOutcomeToModels(tx, { shopId, customerId, dispatchId: 'dsp_2', channel: 'email', kind, at: now, discountTier: 10 }));
    }
    const segment = await loadDiscountSegment(database.db, shopId, discountSegmentKey('new'), now.toISOString());
    expect(segment.tiers[2]?.successes).toBeCloseTo(1, 6);
    const state = await loadCustomerModel(database.db, shopId, customerId, 'UTC', now.toISOString());
    expect(state.channels.email?.successes).toBeCloseTo(1, 6);
  });

  it('ignores channels that are decided per segment', async () => {
    const customerId = await seedCustomer(deps(), shopId);
    const applied = await database.db.transaction((tx) =>
      applyOutcomeToModels(tx, { shopId, customerId, dispatchId: 'a1', channel: 'audience', kind: 'clicked', at: now, discountTier: null }));
    expect(applied).toBe(false);
  });

  it('learns from provider feedback and from journeys that end without a conversion', async () => {
    const customerId = await seedCustomer(deps(), shopId);
    const base = { shopId, customerId, channel: 'email', contentType: 'cart_reminder', status: 'sent' as const, provider: 'outbox', sentAt: now };
    const [clicked] = await database.db.insert(dispatches).values({ ...base, id: 'd-click', idempotencyKey: 'w1:1:email', workflowId: 'w1', step: 1 }).returning();
    await recordDispatchOutcome(database.db, clicked!, 'clicked', now);
    await recordDispatchOutcome(database.db, clicked!, 'clicked', now); // a webhook retry changes nothing
    await database.db.insert(dispatches).values({ ...base, id: 'd-ignored', idempotencyKey: 'w2:1:email', workflowId: 'w2', step: 1 });
    const recordOutcome = createRecordOutcome({ ...deps(), outboxDir: '/tmp', timeScale: 1 });
    await recordOutcome({ shopId, customerId, workflowId: 'w2', journey: 'cart-abandon', step: 1, kind: 'no_conversion' });
    const state = await loadCustomerModel(database.db, shopId, customerId, 'UTC', now.toISOString());
    // The ignored send is judged now; the June click has decayed toward it by the 90-day half-life.
    expect(state.channels.email?.failures).toBeCloseTo(1, 3);
    const ageDays = (Date.parse(state.channels.email!.asOf) - now.getTime()) / 86_400_000;
    expect(state.channels.email?.successes).toBeCloseTo(Math.pow(0.5, ageDays / 90), 3);
  });

  it('moves a customer through stages as orders come and time passes', async () => {
    const customerId = await seedCustomer(deps(), shopId);
    await database.db.insert(orders).values({ id: `o-${customerId}`, shopId, source: 'api', sourceId: `o-${customerId}`, customerId, status: 'paid',
      currency: 'EUR', totalMinor: 5000, placedAt: new Date('2026-01-10T12:00:00Z') });
    const first = await database.db.transaction((tx) => recomputeStage(tx, shopId, customerId, new Date('2026-01-11T12:00:00Z')));
    expect(first).toBeNull(); // one recent purchase: still "new"
    const later = await database.db.transaction((tx) => recomputeStage(tx, shopId, customerId, new Date('2026-04-01T12:00:00Z')));
    expect(later).toMatchObject({ from: 'new', to: 'at-risk', startsWinBack: true });
    const [row] = await database.db.select().from(customers).where(eq(customers.id, customerId));
    expect(row?.stage).toBe('at-risk');
    const state = await loadCustomerModel(database.db, shopId, customerId, 'UTC', now.toISOString());
    expect(state.lifecycle.stage).toBe('at-risk');
    expect(state.lifecycle.why).toMatch(/at-risk threshold/);
  });
});
