import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { carts, consents, events, orderLines, orders } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';
import type { CanonicalEvent } from './canonical.ts';
import { resolveCustomer } from './identity.ts';

export interface EntryDeps {
  database: Database;
  cipher: PiiCipher;
}

/** What storing an event changed, for the router to act on. */
export type EntryEffect =
  | { duplicate: true }
  | {
      duplicate: false;
      customerId: string;
      customerCreated: boolean;
      event: CanonicalEvent;
      orderCreated?: boolean;
    };

class DuplicateEvent extends Error {}

/**
 * The one governed entry path for every source: dedupe on (shop, source, eventId), resolve the
 * pseudonymous customer, and write the canonical records in one transaction, so an event is either
 * stored whole or not at all.
 */
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<EntryEffect> {
  const { db } = deps.database;
  const [seen] = await db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.shopId, shopId), eq(events.source, source), eq(events.sourceEventId, event.eventId)));
  if (seen) return { duplicate: true };
  try {
    return await db.transaction(async (tx) => {
      const { customerId, created } = await resolveCustomer(tx, deps.cipher, shopId, source, event.customer);
      const occurredAt = new Date(event.occurredAt);
      const inserted = await tx
        .insert(events)
        .values({ shopId, customerId, type: event.type, source, sourceEventId: event.eventId, occurredAt, productId: null, props: {} })
        .onConflictDoNothing()
        .returning({ id: events.id });
      if (inserted.length === 0) throw new DuplicateEvent();
      let orderCreated: boolean | undefined;
      if (event.type === 'cart_updated') {
        const valueMinor = event.items.reduce((sum, i) => sum + i.priceMinor * i.quantity, 0);
        const values = { items: event.items, valueMinor, currency: event.currency, status: event.items.length ? ('open' as const) : ('emptied' as const), updatedAt: occurredAt };
        await tx.insert(carts).values({ shopId, id: event.cartId, customerId, ...values }).onConflictDoUpdate({ target: [carts.shopId, carts.id], set: values });
      } else if (event.type === 'order_placed') {
        const orderId = canonicalOrderId(shopId, source, event.orderId);
        const created = await tx
          .insert(orders)
          .values({ id: orderId, shopId, source, sourceId: event.orderId, customerId, status: 'placed', currency: event.currency,
            totalMinor: event.totalMinor, discountMinor: event.discountMinor, placedAt: occurredAt })
          .onConflictDoNothing()
          .returning({ id: orders.id });
        orderCreated = created.length > 0;
        if (orderCreated && event.lines.length) {
          await tx.insert(orderLines).values(event.lines.map((l, i) => ({ orderId, lineNo: i + 1, ...l })));
        }
        if (event.cartId) await tx.update(carts).set({ status: 'ordered' }).where(and(eq(carts.shopId, shopId), eq(carts.id, event.cartId)));
      } else if (event.consents.length) {
        await tx.insert(consents).values(event.consents.map((c) => ({ shopId, customerId, channel: c.channel, granted: c.granted, source, recordedAt: occurredAt })));
      }
      return { duplicate: false as const, customerId, customerCreated: created, event, ...(orderCreated === undefined ? {} : { orderCreated }) };
    });
  } catch (error) {
    if (error instanceof DuplicateEvent) return { duplicate: true };
    throw error;
  }
}

/** The canonical order id for a source's order, as stored by applyEvent. */
export const canonicalOrderId = (shopId: string, source: string, sourceOrderId: string) => `ord_${shopId}_${source}_${sourceOrderId}`;
