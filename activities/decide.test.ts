import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisions } from '../db/schema.ts';
import { saveCustomerModel } from '../learning/model-store.ts';
import { newCustomerModelState } from '../models/state.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { localMinuteOfDay } from '../lib/local-time.ts';
import type { Database } from '../db/client.ts';
import type { DecideRequest } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';
import { createDecide } from './decide.ts';
import { decideBatch } from '../learning/decide-batch.ts';

describe('decide activity (models over stored state)', () => {
  let database: Database;
  let deps: ActivityDeps;
  let shopId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    deps = { database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('ab'.repeat(32)), outboxDir: '/tmp', timeScale: 1 };
    shopId = await seedShop(database);
  });
  afterAll(async () => database?.close());

  const at = '2026-06-10T06:00:00Z';
  const request = (customerId: string, over: Partial<DecideRequest> = {}): DecideRequest => ({
    shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:c1`, journey: 'cart-abandon', step: 1,
    contentType: 'cart_reminder', productIds: ['p-mug'], earliest: at, latest: '2026-06-11T06:00:00Z', ...over,
  });

  it('sends to a new customer by the consented channel, outside quiet hours, inside the window', async () => {
    const customerId = await seedCustomer(deps, shopId, { timezone: 'America/New_York' });
    const decision = await createDecide(deps)(request(customerId));
    expect(decision).toMatchObject({ action: 'send', channel: 'email', discountTier: 0, productIds: ['p-mug'] });
    const sendAt = new Date(decision.sendAt);
    expect(sendAt.getTime()).toBeGreaterThanOrEqual(Date.parse(at));
    expect(sendAt.getTime()).toBeLessThanOrEqual(Date.parse('2026-06-11T06:00:00Z'));
    const local = localMinuteOfDay(sendAt, 'America/New_York');
    expect(local >= 8 * 60 && local < 21 * 60).toBe(true);
    expect(decision.propensities.action).toBeGreaterThan(0);
  });

  it('decides a step once: a retry returns the stored decision with the model record kept', async () => {
    const customerId = await seedCustomer(deps, shopId);
    const decide = createDecide(deps);
    const first = await decide(request(customerId));
    const again = await decide(request(customerId));
    expect(again).toEqual(first);
    const rows = await database.db.select().from(decisions).where(eq(decisions.customerId, customerId));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.decision).toHaveProperty('model.seed', `${request(customerId).workflowId}:1`);
  });

  it('sends nothing to a customer without consent, saying why', async () => {
    const customerId = await seedCustomer(deps, shopId, {}, [{ channel: 'email', granted: false }]);
    const decision = await createDecide(deps)(request(customerId));
    expect(decision.action).toBe('none');
    expect(decision.reason).toMatch(/consent/);
  });

  it('follows what the customer engages with: an SMS clicker gets SMS', async () => {
    const customerId = await seedCustomer(deps, shopId, { phone: '+14155550123' }, [
      { channel: 'email', granted: true },
      { channel: 'sms', granted: true },
    ]);
    const state = newCustomerModelState('UTC', at);
    state.channels = { sms: { successes: 30, failures: 10, asOf: at }, email: { successes: 0, failures: 40, asOf: at } };
    await database.db.transaction((tx) => saveCustomerModel(tx, shopId, customerId, state));
    // Thompson sampling explores: over 40 steps (40 seeds) SMS must win nearly always, not just once. The
    // seeds come from the workflow id and step; a fixed workflow id keeps them the same in every run (the
    // seeded customer's id is random, and with it the draws: 1-5 of 40 went to e-mail, one run in ~20 under 36).
    const decide = createDecide(deps);
    const channels = [];
    for (let step = 1; step <= 40; step++) channels.push((await decide(request(customerId, { step, workflowId: 'cart-abandon:sms-clicker:c1' }))).channel);
    expect(channels.filter((c) => c === 'sms').length).toBeGreaterThanOrEqual(36);
  });

  it('offers no discount on a step that allows none, and at most the step cap on one that does', async () => {
    const customerId = await seedCustomer(deps, shopId);
    const first = await createDecide(deps)(request(customerId));
    expect(first.discountTier).toBe(0);
    const second = await createDecide(deps)(request(customerId, { step: 2, maxDiscountTier: 10 }));
    expect([0, 5, 10]).toContain(second.discountTier);
  });

  it('decides a campaign batch the way the activity would, and the activity then finds the stored decisions', async () => {
    const ids = [await seedCustomer(deps, shopId), await seedCustomer(deps, shopId, {}, [{ channel: 'email', granted: false }]), await seedCustomer(deps, shopId)];
    const base = { shopId, journey: 'clearance' as const, step: 1, contentType: 'clearance', productIds: ['p-kettle'], earliest: at, latest: '2026-06-12T06:00:00Z' };
    const batch = await decideBatch(database, { ...base, customerIds: ids, workflowIdFor: (c) => `clearance:${shopId}:${c}:camp1`, timeScale: 1, basketValueMinor: 5900, propensityDraws: 200 });
    expect([...batch.keys()].sort()).toEqual([...ids].sort());
    expect(batch.get(ids[1]!)?.action).toBe('none');
    // A fresh database row for an independent decision of the first customer by the activity, same seed and inputs.
    const independent = await createDecide(deps)({ ...base, customerId: ids[0]!, workflowId: `clearance:${shopId}:${ids[0]}:camp1-check` });
    expect(independent.channel).toBe(batch.get(ids[0]!)?.channel);
    const stored = await createDecide(deps)({ ...base, customerId: ids[2]!, workflowId: `clearance:${shopId}:${ids[2]}:camp1` });
    expect(stored).toEqual(batch.get(ids[2]!));
  });

  it("applies an experiment arm's policies, copy style and engine", async () => {
    const customerId = await seedCustomer(deps, shopId, { phone: '+14155550199' }, [
      { channel: 'email', granted: true },
      { channel: 'sms', granted: true },
    ]);
    const decide = createDecide(deps);
    const flat = await decide(request(customerId, { step: 2, maxDiscountTier: 25 }), { discountPolicy: 'flat-15', copyStyle: 'urgent', engine: 'bought-together' });
    expect(flat).toMatchObject({ action: 'send', discountTier: 15, copyStyle: 'urgent', engine: 'bought-together' });
    expect(flat.propensities.tier).toBe(1);
    const none = await decide(request(customerId, { step: 3, maxDiscountTier: 25 }), { discountPolicy: 'none' });
    expect(none.discountTier).toBe(0);
    for (let step = 4; step < 10; step++) {
      expect((await decide(request(customerId, { step }), { channelPolicy: 'email-only' })).channel).toBe('email');
    }
  });

  it('compresses the wait by the time scale without changing the choice', async () => {
    const customerId = await seedCustomer(deps, shopId, { timezone: 'Asia/Tokyo' });
    const scaled = await createDecide({ ...deps, timeScale: 0.001 })(request(customerId, { workflowId: `w-scaled-${customerId}` }));
    const [row] = await database.db.select().from(decisions).where(eq(decisions.workflowId, `w-scaled-${customerId}`));
    const modelSendAt = Date.parse((row?.decision as { model: { modelSendAt: string } }).model.modelSendAt);
    expect(Date.parse(scaled.sendAt) - Date.parse(at)).toBeCloseTo((modelSendAt - Date.parse(at)) * 0.001, -1);
  });
});
