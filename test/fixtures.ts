import type { Database } from '../db/client.ts';
import { products, shops } from '../db/schema.ts';
import { applyEvent } from '../ingest/entry.ts';
import type { CustomerRef } from '../ingest/canonical.ts';
import { firstZoneWithLocalHour } from '../lib/local-time.ts';
import type { PiiCipher } from '../lib/pii.ts';

export async function seedShop(database: Database, shopId = 'shop-test'): Promise<string> {
  await database.db.insert(shops).values({ id: shopId, name: `Shop ${shopId}`, currency: 'EUR' }).onConflictDoNothing();
  await database.db
    .insert(products)
    .values([
      { shopId, id: 'p-mug', title: 'Stoneware mug', category: 'kitchen', priceMinor: 1800, currency: 'EUR', stock: 25 },
      { shopId, id: 'p-kettle', title: 'Gooseneck kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR', stock: 4 },
      { shopId, id: 'p-gone', title: 'Sold-out teapot', category: 'kitchen', priceMinor: 3900, currency: 'EUR', stock: 0 },
    ])
    .onConflictDoNothing();
  return shopId;
}

/** Zones tests pick from, spread so that any hour of the day is some zone's given local hour. */
export const TEST_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Kolkata',
  'America/Sao_Paulo', 'Pacific/Honolulu', 'Asia/Dubai', 'Pacific/Auckland', 'America/Anchorage', 'Atlantic/Azores', 'Asia/Bangkok'];

/** The IANA zone among TEST_ZONES where `now` is between `fromHour` and `toHour` local time. */
export function zoneWhereLocalHourIn(fromHour: number, toHour: number, now = new Date()): string {
  const zone = firstZoneWithLocalHour(TEST_ZONES, now, fromHour, toHour);
  if (!zone) throw new Error(`no test zone has local hour in [${fromHour}, ${toHour}) at ${now.toISOString()}`);
  return zone;
}

let seq = 0;
/** A customer created through the real entry path, with an e-mail address and e-mail consent. */
export async function seedCustomer(
  deps: { database: Database; cipher: PiiCipher },
  shopId: string,
  ref: Partial<CustomerRef> = {},
  consents: { channel: 'email' | 'sms' | 'whatsapp' | 'push'; granted: boolean }[] = [{ channel: 'email', granted: true }],
): Promise<string> {
  seq += 1;
  const customer = { userId: `user-${seq}-${Math.random().toString(36).slice(2, 8)}`, email: `person${seq}@example.com`, timezone: zoneWhereLocalHourIn(10, 17), ...ref };
  const effect = await applyEvent(deps, shopId, 'api', {
    type: 'customer_updated', eventId: `seed-${customer.userId}`, occurredAt: new Date().toISOString(), customer, consents,
  });
  if (effect.duplicate) throw new Error('seed customer was a duplicate');
  return effect.customerId;
}
