import { and, eq, sql } from 'drizzle-orm';
import { carts, type CartItem } from '../db/schema.ts';
import type { CustomerEvent } from './canonical.ts';
import { IngestError } from './errors.ts';
import type { Db } from '../db/client.ts';
import type { Tx } from './identity.ts';
import { run } from './sql-rows.ts';

/** A cart after a change, as the router needs it. */
export interface CartState {
  cartId: string;
  productIds: string[];
  valueMinor: number;
  currency: string;
  emptied: boolean;
  at: string;
}

type CartEvent = Extract<CustomerEvent, { type: 'cart_updated' | 'cart_item_added' | 'cart_item_removed' }>;

/** A whole-cart update replaces the items; an item added or removed changes the stored cart. */
export function nextCartItems(current: CartItem[], event: CartEvent): CartItem[] {
  if (event.type === 'cart_updated') return event.items;
  const items = current.map((i) => ({ ...i }));
  const existing = items.find((i) => i.productId === event.item.productId);
  if (event.type === 'cart_item_added') {
    if (existing) {
      existing.quantity += event.item.quantity;
      existing.priceMinor = event.item.priceMinor;
    } else items.push({ ...event.item });
    return items;
  }
  if (!existing) return items;
  existing.quantity -= event.item.quantity;
  return items.filter((i) => i.quantity > 0);
}

export async function applyCartChange(tx: Tx, shopId: string, customerId: string, event: CartEvent): Promise<CartState> {
  const [current] = await tx
    .select({ items: carts.items, currency: carts.currency })
    .from(carts)
    .where(and(eq(carts.shopId, shopId), eq(carts.id, event.cartId)))
    .for('update');
  if (current && current.currency !== event.currency && current.items.length > 0 && event.type !== 'cart_updated') {
    throw new IngestError(`cart ${event.cartId} is in ${current.currency}; an item in ${event.currency} cannot be added to it`);
  }
  const items = nextCartItems(current?.items ?? [], event);
  const valueMinor = items.reduce((sum, i) => sum + i.priceMinor * i.quantity, 0);
  const occurredAt = new Date(event.occurredAt);
  const values = { items, valueMinor, currency: event.currency, status: items.length ? ('open' as const) : ('emptied' as const), updatedAt: occurredAt, customerId };
  await tx.insert(carts).values({ shopId, id: event.cartId, ...values }).onConflictDoUpdate({ target: [carts.shopId, carts.id], set: values });
  return { cartId: event.cartId, productIds: items.map((i) => i.productId), valueMinor, currency: event.currency, emptied: items.length === 0, at: event.occurredAt };
}

/**
 * How long before a visitor became reachable their open cart still starts a cart journey: the journey's
 * quiet period and send window (cart-abandon: 1 h + 1 day), with room.
 */
export const CART_CATCH_UP_MS = 2 * 24 * 3_600_000;

/**
 * The customer's latest open cart changed within CART_CATCH_UP_MS before `since` or later: the cart a visitor
 * left while anonymous, whose journey starts once they identify (journeys/fire.ts, trigger `reachable`).
 */
export async function latestOpenCart(db: Tx | Db, shopId: string, customerId: string, since: string): Promise<CartState | undefined> {
  const [row] = await run<{ cartId: string; items: CartItem[]; valueMinor: number; currency: string; updatedAt: string | Date }>(db, sql`
    select id as "cartId", items, value_minor as "valueMinor", currency, updated_at as "updatedAt" from carts
    where shop_id = ${shopId} and customer_id = ${customerId} and status = 'open'
      and updated_at > ${since}::timestamptz - make_interval(secs => ${CART_CATCH_UP_MS / 1000})
    order by updated_at desc limit 1`);
  if (!row) return undefined;
  return { cartId: row.cartId, productIds: row.items.map((i) => i.productId), valueMinor: row.valueMinor, currency: row.currency, emptied: false,
    at: new Date(row.updatedAt).toISOString() };
}
