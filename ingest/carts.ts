import { and, eq } from 'drizzle-orm';
import { carts, type CartItem } from '../db/schema.ts';
import type { CustomerEvent } from './canonical.ts';
import { IngestError } from './errors.ts';
import type { Tx } from './identity.ts';

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
