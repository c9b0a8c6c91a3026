import { products, shops } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { firstZoneWithLocalHour } from '../../lib/local-time.ts';

export const DEMO_SHOP = 'demo-shop';

const CATALOG = [
  { id: 'sku-espresso-beans', title: 'Espresso beans 1 kg', category: 'coffee', priceMinor: 2490, stock: 40 },
  { id: 'sku-grinder', title: 'Burr grinder', category: 'equipment', priceMinor: 8900, stock: 12 },
  { id: 'sku-milk-jug', title: 'Milk jug 600 ml', category: 'equipment', priceMinor: 1990, stock: 3 },
  { id: 'sku-filter-papers', title: 'Filter papers (100)', category: 'accessories', priceMinor: 590, stock: 200 },
  { id: 'sku-decaf', title: 'Decaf beans 500 g', category: 'coffee', priceMinor: 1590, stock: 0 },
];

/** The demo shop and its catalog (idempotent), plus a fresh API key with every scope. */
export async function seedDemoShop(db: Db): Promise<{ shopId: string; apiKey: string }> {
  await db.insert(shops).values({ id: DEMO_SHOP, name: 'Demo Coffee Roasters', currency: 'EUR', timezone: 'Europe/Berlin' }).onConflictDoNothing();
  for (const p of CATALOG) {
    const row = { shopId: DEMO_SHOP, ...p, currency: 'EUR', url: `https://demo.example/products/${p.id}` };
    await db.insert(products).values(row).onConflictDoUpdate({ target: [products.shopId, products.id], set: row });
  }
  return { shopId: DEMO_SHOP, apiKey: await createApiKey(db, DEMO_SHOP, ['admin'], 'demo') };
}

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Honolulu'];

/**
 * A time zone where it is now mid-day, for the demo customer: the demo should show a message go
 * out, whatever hour it is run at, without switching quiet hours off.
 */
export function daytimeZone(now = new Date()): string {
  return firstZoneWithLocalHour(ZONES, now, 10, 18) ?? 'Pacific/Kiritimati';
}
