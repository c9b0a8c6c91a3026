import { sql } from 'drizzle-orm';
import { events, products, shops } from '../db/schema.ts';
import type { CanonicalEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import type { JourneyHarness } from './temporal.ts';
import { seedCustomer, zoneWhereLocalHourIn } from './fixtures.ts';

/** A zone where `at` falls in [fromHour, toHour) local time (the window may wrap past midnight). */
export const zoneWithLocalHour = (at: Date, fromHour: number, toHour: number): string => zoneWhereLocalHourIn(fromHour, toHour, at);

let seq = 0;
/**
 * A shop of its own (so stock changes and audiences never leak between tests) with a small catalog:
 * kitchen items with an order history that makes bought-together and best sellers meaningful, and
 * garden items nobody bought yet (a clearance target).
 */
export async function seedJourneyShop(h: JourneyHarness, tag: string): Promise<string> {
  const shopId = `shop-${tag}-${++seq}`;
  const { db } = h.database;
  await db.insert(shops).values({ id: shopId, name: `Shop ${shopId}`, currency: 'EUR', settings: { campaignRatePerMinute: 120 } });
  const item = (id: string, category: string, priceMinor: number, stock: number | null, attributes: Record<string, unknown> = {}) =>
    ({ shopId, id, title: id.slice(2), category, priceMinor, currency: 'EUR', stock, attributes });
  await db.insert(products).values([
    item('p-mug', 'kitchen', 1800, 25), item('p-kettle', 'kitchen', 5900, 4), item('p-teapot', 'kitchen', 3900, 10),
    item('p-beans', 'kitchen', 1200, 100, { replenishDays: 20, starterPack: true }),
    item('p-hose', 'garden', 2900, 3, { season: 'summer' }), item('p-shears', 'garden', 2400, 2, { season: 'summer' }),
  ]);
  await seedCustomer(h.deps, shopId, { userId: `regular-${shopId}` });
  for (const [n, lines] of [[1, ['p-mug', 'p-kettle']], [2, ['p-mug', 'p-kettle', 'p-teapot']], [3, ['p-beans', 'p-kettle']]] as const) {
    await applyEvent(h.deps, shopId, 'api', order(`regular-${shopId}`, `hist-${n}`, [...lines], new Date(Date.now() - n * 86_400_000)));
  }
  return shopId;
}

export function order(userId: string, orderId: string, productIds: string[], at = new Date()): CanonicalEvent {
  return { type: 'order_placed', eventId: `order-${orderId}`, occurredAt: at.toISOString(), customer: { userId }, orderId, currency: 'EUR',
    totalMinor: 1800 * productIds.length, discountMinor: 0, lines: productIds.map((productId) => ({ productId, quantity: 1, priceMinor: 1800 })) };
}

/** Places an order through the real entry path and router (conversion signals, cross-sell start). */
export async function placeOrder(h: JourneyHarness, shopId: string, userId: string, orderId: string, productIds: string[], at?: Date) {
  const effect = await applyEvent(h.deps, shopId, 'api', order(userId, orderId, productIds, at));
  return routeEvent(h.client, shopId, 'api', effect);
}

/** A product view the ingest path would store; profiles and campaign audiences read these. */
export async function recordView(h: JourneyHarness, shopId: string, customerId: string, productId: string): Promise<void> {
  await h.database.db.insert(events).values({ shopId, customerId, type: 'product_viewed', productId, source: 'test',
    sourceEventId: `view-${customerId}-${productId}-${++seq}`, occurredAt: new Date(), dwellMs: 200_000 });
}

export async function setStock(h: JourneyHarness, shopId: string, stock: number): Promise<void> {
  await h.database.db.execute(sql`update products set stock = ${stock} where shop_id = ${shopId}`);
}
