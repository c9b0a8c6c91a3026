import type { Database } from '../db/client.ts';
import { products, shops } from '../db/schema.ts';
import { canonicalEvent, type CanonicalEventInput, type CustomerEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { PiiCipher } from '../lib/pii.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';

/**
 * Test fixtures for the recommender: a shop with the given products, and signals stored through the
 * real entry path (so events, carts and orders look exactly as ingestion leaves them).
 */
export async function createTestShop(database: Database, shopId: string, catalog: readonly [id: string, category: string, stock: number | null][]) {
  const entry = { database, cipher: new PiiCipher(TEST_PII_KEY) };
  let n = 0;
  await database.db.insert(shops).values({ id: shopId, name: shopId, currency: 'EUR' });
  if (catalog.length) {
    await database.db.insert(products).values(catalog.map(([id, category, stock]) => ({ shopId, id, title: id, category, stock, priceMinor: 1000, currency: 'EUR' })));
  }
  const store = (e: Record<string, unknown>) => applyEvent(entry, shopId, 'api', canonicalEvent.parse({ eventId: `e${++n}`, ...e } as CanonicalEventInput) as CustomerEvent);
  return {
    /** The pseudonymous key of the customer the source calls `userId`. */
    async customerKey(userId: string, at: Date): Promise<string> {
      const effect = await store({ type: 'customer_updated', customer: { userId }, occurredAt: at.toISOString() });
      if (effect.duplicate) throw new Error('fixture event stored twice');
      return effect.customerId;
    },
    view: (userId: string, productId: string, at: Date) => store({ type: 'product_viewed', customer: { userId }, productId, occurredAt: at.toISOString() }),
    order: (userId: string, orderId: string, productIds: readonly string[], at: Date) =>
      store({ type: 'order_placed', customer: { userId }, orderId, currency: 'EUR', totalMinor: 1000 * productIds.length, occurredAt: at.toISOString(),
        lines: productIds.map((productId) => ({ productId, quantity: 1, priceMinor: 1000 })) }),
  };
}
