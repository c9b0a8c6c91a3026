import { and, eq, isNotNull, lte, sql } from 'drizzle-orm';
import { inventoryItems, products, shops } from '../db/schema.ts';
import type { CatalogEvent } from './canonical.ts';
import type { Tx } from './identity.ts';

/** A product's stock before and after an event, with the threshold that makes it a clearance candidate. */
export interface StockChange {
  productId: string;
  before: number | null;
  after: number | null;
  threshold: number;
}

/**
 * Product and stock updates. Updates older than what we hold are ignored (webhooks arrive out of
 * order); a product's stock is the sum of its stock-keeping items.
 */
export async function applyCatalogEvent(tx: Tx, shopId: string, source: string, event: CatalogEvent): Promise<StockChange[]> {
  const at = new Date(event.occurredAt);
  if (event.type === 'product_updated') {
    const p = event.product;
    const values = { title: p.title, category: p.category ?? null, priceMinor: p.priceMinor, currency: p.currency, url: p.url ?? null,
      imageUrl: p.imageUrl ?? null, updatedAt: at };
    await tx
      .insert(products)
      .values({ shopId, id: p.productId, ...values })
      .onConflictDoUpdate({ target: [products.shopId, products.id], set: values, setWhere: lte(products.updatedAt, at) });
    for (const item of p.items) await upsertItem(tx, shopId, source, item.itemId, p.productId, item.available, at);
    return p.items.length ? recomputeStock(tx, shopId, p.productId) : [];
  }
  const productId = await upsertItem(tx, shopId, source, event.itemId, event.productId ?? null, event.available, at);
  return productId ? recomputeStock(tx, shopId, productId) : [];
}

/** Returns the product the item belongs to, if known. */
async function upsertItem(tx: Tx, shopId: string, source: string, itemId: string, productId: string | null, available: number | null, at: Date): Promise<string | null> {
  const set = { available, updatedAt: at, ...(productId ? { productId } : {}) };
  const [row] = await tx
    .insert(inventoryItems)
    .values({ shopId, source, itemId, productId, available, updatedAt: at })
    .onConflictDoUpdate({ target: [inventoryItems.shopId, inventoryItems.source, inventoryItems.itemId], set, setWhere: lte(inventoryItems.updatedAt, at) })
    .returning({ productId: inventoryItems.productId });
  if (row) return row.productId;
  const [kept] = await tx.select({ productId: inventoryItems.productId }).from(inventoryItems)
    .where(and(eq(inventoryItems.shopId, shopId), eq(inventoryItems.source, source), eq(inventoryItems.itemId, itemId)));
  return kept?.productId ?? productId;
}

async function recomputeStock(tx: Tx, shopId: string, productId: string): Promise<StockChange[]> {
  const [product] = await tx
    .select({ stock: products.stock, own: products.lowStockThreshold, shop: shops.lowStockThreshold })
    .from(products)
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(and(eq(products.shopId, shopId), eq(products.id, productId)))
    .for('update', { of: products });
  if (!product) return [];
  const [sum] = await tx
    .select({ total: sql<string | null>`sum(${inventoryItems.available})` })
    .from(inventoryItems)
    .where(and(eq(inventoryItems.shopId, shopId), eq(inventoryItems.productId, productId), isNotNull(inventoryItems.available)));
  const after = sum?.total == null ? null : Number(sum.total);
  if (after !== product.stock) await tx.update(products).set({ stock: after }).where(and(eq(products.shopId, shopId), eq(products.id, productId)));
  return [{ productId, before: product.stock, after, threshold: product.own ?? product.shop }];
}
