import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { products, shops } from '../db/schema.ts';
import { assignVariant } from '../experiments/assign.ts';
import { createExperiment } from '../experiments/store.ts';
import { createLogger } from '../lib/logger.ts';
import { createTestDatabase } from '../test/db.ts';
import { RecsService } from './service.ts';
import { createTestShop } from './test-shop.ts';
import { variantEngine } from './variant.ts';

// A small outdoor-and-kitchen shop whose history is generated here: tents are browsed with stoves
// (and with a lantern that is sold out), bought with pegs; mugs are browsed and bought with tea.
const shopId = 'shop-recs';
const catalog: [id: string, category: string, stock: number | null][] = [
  ['tent', 'camping', 5], ['stove', 'camping', 5], ['lantern', 'camping', 0], ['pegs', 'camping', 40], ['mat', 'camping', 3],
  ['mug', 'kitchen', 20], ['tea', 'kitchen', null], ['kettle', 'kitchen', 8], ['spoon', 'kitchen', 50],
  ['socks', 'clothing', 30], ['hat', 'clothing', 12], ['scarf', 'clothing', 9],
];

let database: Database;
let shop: Awaited<ReturnType<typeof createTestShop>>;
const start = Date.now() - 10 * 86_400_000;
const minute = (m: number) => new Date(start + m * 60_000);
const customerKey = (userId: string, at: Date) => shop.customerKey(userId, at);
const view = (userId: string, productId: string, at: Date) => shop.view(userId, productId, at);

let clockMs = Date.now();
const clock = () => clockMs;
let service: RecsService;
const ask = (journey: Parameters<RecsService['recommend']>[0]['journey'], customerId: string, productIds: string[] = [], engine?: string) =>
  service.recommend({ shopId, customerId, journey, productIds, limit: 4, ...(engine ? { engine } : {}) });

beforeAll(async () => {
  database = await createTestDatabase();
  shop = await createTestShop(database, shopId, catalog);
  let m = 0;
  for (let c = 0; c < 30; c++) {
    const user = `u${c}`;
    m += 90; // sessions well apart
    if (c % 3 === 0) for (const p of ['tent', 'lantern', 'stove', 'tent', 'lantern']) await view(user, p, minute(m++));
    if (c % 3 === 1) for (const p of ['mug', 'tea', 'mug', 'spoon']) await view(user, p, minute(m++));
    if (c % 3 === 2) for (const p of ['socks', 'hat', 'scarf']) await view(user, p, minute(m++));
    if (c % 2 === 0) await shop.order(user, `o${c}`, c % 4 === 0 ? ['tent', 'pegs'] : ['mug', 'tea'], minute(m++));
  }
  service = new RecsService({ database, logger: createLogger('silent'), clock, maxStalenessMs: 5_000 });
});
afterAll(async () => database?.close());

describe('RecsService', () => {
  it('browse-abandon: the viewed product first, then what was viewed with it', async () => {
    const result = await ask('browse-abandon', await customerKey('new-browser', minute(0)), ['tent']);
    expect(result.productIds[0]).toBe('tent');
    expect(result.productIds).toContain('stove');
    expect(result.items.find((i) => i.productId === 'stove')?.source).toBe('session-knn');
  });

  it('never offers a product that is out of stock, in the cache or only in the database', async () => {
    const customerId = await customerKey('u0', minute(0));
    for (const journey of ['browse-abandon', 'cross-sell', 'win-back', 'onboarding', 'clearance'] as const) {
      expect((await ask(journey, customerId, ['tent', 'lantern'])).productIds).not.toContain('lantern');
    }
    // Stock runs out behind the cache's back (no event): the serving-time stock check still sees it.
    await database.db.update(products).set({ stock: 0 }).where(and(eq(products.shopId, shopId), eq(products.id, 'stove')));
    expect((await ask('browse-abandon', customerId, ['tent'])).productIds).not.toContain('stove');
    await database.db.update(products).set({ stock: 5 }).where(and(eq(products.shopId, shopId), eq(products.id, 'stove')));
  });

  it('cross-sell: what was bought together with the order', async () => {
    const result = await ask('cross-sell', await customerKey('buyer', minute(0)), ['tent']);
    expect(result.productIds[0]).toBe('pegs');
    expect(result.items[0]?.source).toBe('bought-together');
    expect(result.productIds).not.toContain('tent');
  });

  it('win-back: item-item from the customer history; not what they bought this month', async () => {
    const customerId = await customerKey('u1', minute(0)); // browsed mug, tea, spoon; no order
    const result = await ask('win-back', customerId);
    expect(result.items[0]?.source).toBe('itemknn-rp3beta');
    expect(result.productIds.slice(0, 2).every((id) => ['mug', 'tea', 'spoon', 'kettle'].includes(id))).toBe(true);
    const recentBuyer = await customerKey('u2', minute(0)); // bought mug and tea (order o2, ten days ago)
    const again = await ask('win-back', recentBuyer);
    expect(again.productIds).not.toContain('mug');
    expect(again.productIds).not.toContain('tea');
  });

  it('onboarding: trending for a newcomer, shaped by first browsing when there is some', async () => {
    const newcomer = await ask('onboarding', await customerKey('newcomer', minute(0)));
    expect(newcomer.source).toBe('trending');
    expect(newcomer.productIds).toHaveLength(4);
    await view('browsing-newcomer', 'socks', new Date(clockMs - 60_000));
    clockMs += 10_000;
    const shaped = await ask('onboarding', await customerKey('browsing-newcomer', minute(0)));
    expect(shaped.items[0]?.source).toBe('session-knn');
    expect(shaped.productIds.slice(0, 3).sort()).toEqual(['hat', 'scarf', 'socks']);
  });

  it('clearance: only the campaign items in stock, closest to the customer first', async () => {
    const customerId = await customerKey('u4', minute(0)); // a camper
    const result = await ask('clearance', customerId, ['socks', 'lantern', 'mat', 'stove']);
    expect([...result.productIds].sort()).toEqual(['mat', 'socks', 'stove']);
    expect(result.productIds[0]).toBe('stove');
  });

  it('folds a new event in once the cache is older than the update interval', async () => {
    const shopper = await customerKey('kettle-fan', minute(0));
    const before = await ask('browse-abandon', shopper, ['spoon']);
    expect(before.productIds).not.toContain('kettle');
    const watermark = service.status(shopId)!.watermark;
    const now = Date.now();
    for (const [user, offset] of [['k1', 0], ['k2', 5]] as const) {
      await view(user, 'spoon', new Date(now - (offset + 2) * 60_000));
      await view(user, 'kettle', new Date(now - (offset + 1) * 60_000));
    }
    clockMs += 1_000; // within maxStalenessMs: the cached model answers as before
    expect((await ask('browse-abandon', shopper, ['spoon'])).productIds).toEqual(before.productIds);
    clockMs += 5_000; // past it: the new rows are folded in before serving
    const after = await ask('browse-abandon', shopper, ['spoon']);
    expect(after.productIds).toContain('kettle');
    expect(service.status(shopId)!.watermark).toBeGreaterThan(watermark);
  });

  it('serves the engine an experiment arm names, training it on first use', async () => {
    const experiment = await createExperiment(database.db, shopId, {
      name: 'popular-vs-default', journeys: ['onboarding'], holdoutShare: 0, conversionWindowDays: 5,
      variants: [{ key: 'popular', weight: 1, changes: { engine: 'popular' } }, { key: 'default', weight: 1, changes: {} }],
    });
    const arms = new Map<string, string>();
    for (let c = 0; arms.size < 2 && c < 40; c++) {
      const customerId = await customerKey(`exp${c}`, minute(0));
      arms.set(assignVariant(experiment, customerId).variant, customerId);
    }
    const inPopular = arms.get('popular')!;
    const inDefault = arms.get('default')!;
    expect(await variantEngine(database.db, { shopId, journey: 'onboarding', customerId: inPopular })).toBe('popular');
    expect(await variantEngine(database.db, { shopId, journey: 'onboarding', customerId: inDefault })).toBeNull();
    expect(await variantEngine(database.db, { shopId, journey: 'win-back', customerId: inPopular })).toBeNull();
    expect((await ask('onboarding', inPopular, [], 'popular')).source).toBe('popular');
    expect((await ask('onboarding', inDefault)).source).toBe('trending');
    expect((await ask('browse-abandon', inDefault, ['tent'], 'itemknn-cosine')).items[1]?.source).toBe('itemknn-cosine');
  });

  it('retrains what it caches, and has nothing for a shop without data (the caller falls back)', async () => {
    const [summary] = await service.retrainAll();
    expect(summary?.shopId).toBe(shopId);
    expect(summary?.signals).toBeGreaterThan(100);
    await database.db.insert(shops).values({ id: 'shop-empty', name: 'Empty', currency: 'EUR' });
    const empty = await service.recommend({ shopId: 'shop-empty', customerId: 'cus_x', journey: 'onboarding', productIds: [], limit: 4 });
    expect(empty.productIds).toEqual([]);
  });
});
