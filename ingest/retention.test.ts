import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { events, orders, shops } from '../db/schema.ts';
import { webhookDeliveries } from '../db/schema-webhooks.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { applyEvent } from './entry.ts';
import { createRetentionActivities } from './retention.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

it('removes raw events past each shop\'s retention period and keeps the records they produced', async () => {
  await database.db.insert(shops).values([{ id: 's30', name: 'a', currency: 'EUR', eventRetentionDays: 30 }, { id: 's365', name: 'b', currency: 'EUR', eventRetentionDays: 365 }]);
  const deps = { database, cipher: new PiiCipher('ab'.repeat(32)) };
  const now = new Date('2026-06-01T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
  for (const shop of ['s30', 's365']) {
    for (const [i, age] of [10, 40, 400].entries()) {
      await applyEvent(deps, shop, 'api', { type: 'product_viewed', eventId: `v${i}`, occurredAt: daysAgo(age), customer: { anonymousId: 'a' }, productId: 'p' });
    }
    await applyEvent(deps, shop, 'api', { type: 'order_placed', eventId: 'o', occurredAt: daysAgo(50), customer: { userId: 'u' }, orderId: 'o1', currency: 'EUR', totalMinor: 100, discountMinor: 0, lines: [] });
  }
  await database.db.insert(webhookDeliveries).values([
    { source: 'shopify', deliveryId: 'old', shopId: 's30', receivedAt: new Date(daysAgo(31)) },
    { source: 'shopify', deliveryId: 'recent', shopId: 's30', receivedAt: new Date(daysAgo(29)) },
  ]);
  const result = await createRetentionActivities({ database, now: () => now }).removeExpiredRawEvents();
  expect(result).toEqual({ deleted: 4, byShop: { s30: 3, s365: 1 }, deliveriesForgotten: 1 });
  expect((await database.db.select().from(webhookDeliveries)).map((d) => d.deliveryId)).toEqual(['recent']);
  expect((await database.db.select().from(events).where(eq(events.shopId, 's30'))).map((e) => e.sourceEventId)).toEqual(['v0']);
  expect((await database.db.select().from(events).where(eq(events.shopId, 's365'))).map((e) => e.sourceEventId).sort()).toEqual(['o', 'v0', 'v1']);
  expect(await database.db.select().from(orders)).toHaveLength(2);
});
