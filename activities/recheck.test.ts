import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeys, products } from '../db/schema.ts';
import type { Database } from '../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop, zoneWhereLocalHourIn } from '../test/fixtures.ts';
import type { RecheckRequest } from '../workflows/types.ts';
import { createDecide } from './decide.ts';
import type { ActivityDeps } from './deps.ts';
import { createRecheck } from './recheck.ts';

// The last look before a send, on a real database: a priced offer is not sent at a higher price.
describe('re-check before sending', () => {
  let database: Database;
  let deps: ActivityDeps;
  let shopId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    deps = { database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('cd'.repeat(32)), outboxDir: '/tmp', timeScale: 1 };
    shopId = await seedShop(database, 'shop-recheck');
    await database.db.update(products).set({ stock: null }).where(eq(products.shopId, shopId));
  });
  afterAll(async () => database?.close());

  const setPrice = (id: string, priceMinor: number) => database.db.update(products).set({ priceMinor }).where(and(eq(products.shopId, shopId), eq(products.id, id)));
  const request = (customerId: string, over: Partial<RecheckRequest> = {}): RecheckRequest => {
    const at = new Date();
    return { shopId, customerId, workflowId: `clearance:${shopId}:${customerId}:c`, journey: 'clearance', step: 1, channel: 'email',
      productIds: ['p-mug', 'p-kettle'], since: new Date(at.getTime() - 60_000).toISOString(), at: at.toISOString(), ...over };
  };
  const daytimeCustomer = () => seedCustomer(deps, shopId, { timezone: zoneWhereLocalHourIn(11, 17) });

  it('keeps the decision-time prices with a send decision', async () => {
    await setPrice('p-mug', 1800);
    const customerId = await daytimeCustomer();
    const now = new Date().toISOString();
    const decision = await createDecide(deps)({ shopId, customerId, workflowId: `clearance:${shopId}:${customerId}:d`, journey: 'clearance', step: 1,
      contentType: 'clearance', productIds: ['p-mug', 'p-kettle'], earliest: now, latest: new Date(Date.now() + 86_400_000).toISOString() });
    expect(decision.action).toBe('send');
    expect(decision.pricesMinor).toEqual({ 'p-mug': 1800, 'p-kettle': 5900 });
  });

  it('refuses a priced offer with price_changed when an item costs more than when it was decided', async () => {
    const customerId = await daytimeCustomer();
    await setPrice('p-mug', 1800);
    const offered = { 'p-mug': 1800, 'p-kettle': 5900 };
    expect(await createRecheck(deps)(request(customerId, { offerPricesMinor: offered }))).toEqual({ ok: true });
    await setPrice('p-mug', 2100);
    expect(await createRecheck(deps)(request(customerId, { offerPricesMinor: offered }))).toEqual({ ok: false, reason: 'price_changed' });
  });

  it('sends when prices fell, and sends a plain reminder whatever the price (it shows the price at send time)', async () => {
    const customerId = await daytimeCustomer();
    await setPrice('p-mug', 1500);
    expect(await createRecheck(deps)(request(customerId, { offerPricesMinor: { 'p-mug': 1800, 'p-kettle': 5900 } }))).toEqual({ ok: true });
    await setPrice('p-mug', 2500);
    expect(await createRecheck(deps)(request(customerId))).toEqual({ ok: true });
  });

  it('skips a welcome or win-back message while a cart journey of the same customer runs, and sends it once that journey ended', async () => {
    const customerId = await daytimeCustomer();
    const cartJourney = `cart-abandon:${shopId}:${customerId}:cart-1`;
    await database.db.insert(journeys).values({ workflowId: cartJourney, shopId, customerId, journey: 'cart-abandon', triggerKey: 'cart-1' });
    const as = (journey: 'onboarding' | 'win-back' | 'cross-sell') => request(customerId, { journey, workflowId: `${journey}:${shopId}:${customerId}:k`, productIds: [] });
    expect(await createRecheck(deps)(as('onboarding'))).toEqual({ ok: false, reason: 'yielded_to_cart' });
    expect(await createRecheck(deps)(as('win-back'))).toEqual({ ok: false, reason: 'yielded_to_cart' });
    // Journeys that do not give way are unaffected, and so is another customer's.
    expect(await createRecheck(deps)(as('cross-sell'))).toEqual({ ok: true });
    expect(await createRecheck(deps)(request(await daytimeCustomer(), { journey: 'onboarding', productIds: [] }))).toEqual({ ok: true });
    await database.db.update(journeys).set({ status: 'converted', endedAt: new Date() }).where(eq(journeys.workflowId, cartJourney));
    expect(await createRecheck(deps)(as('onboarding'))).toEqual({ ok: true });
  });
});
