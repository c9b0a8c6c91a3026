import { and, eq } from 'drizzle-orm';
import { carts, orderFacts, orderLines, orders } from '../db/schema.ts';
import type { CustomerEvent, orderSnapshot } from './canonical.ts';
import type { z } from 'zod';
import { IngestError } from './errors.ts';
import type { Tx } from './identity.ts';
import { deriveOrderState, refundInShopCurrency, type OrderFact } from './order-status.ts';

/** The canonical order id for a source's order, as stored by applyEvent. */
export const canonicalOrderId = (shopId: string, source: string, sourceOrderId: string) => `ord_${shopId}_${source}_${sourceOrderId}`;

type OrderEvent = Extract<CustomerEvent, { type: 'order_placed' | 'order_status' | 'order_refunded' }>;
type Snapshot = z.infer<typeof orderSnapshot>;

/**
 * Stores what an order event says: the order itself (once; the first description wins) and the facts
 * about its progress, then derives the status from all facts held. Returns whether the order was
 * created by this event.
 */
export async function applyOrderEvent(tx: Tx, shopId: string, source: string, customerId: string | null, event: OrderEvent): Promise<boolean> {
  const key = { shopId, source, sourceOrderId: event.orderId };
  const facts: (Omit<OrderFact, 'currency'> & { factId: string; currency: string | null })[] = [];
  let snapshot: Snapshot | undefined;
  if (event.type === 'order_placed') {
    snapshot = { ...event, placedAt: event.occurredAt };
    for (const kind of ['paid', 'fulfilled', 'cancelled'] as const) {
      const at = event[`${kind}At`];
      if (at) facts.push({ kind, factId: '', amountMinor: 0, currency: null, occurredAt: new Date(at) });
    }
  } else if (event.type === 'order_status') {
    snapshot = event.order;
    facts.push({ kind: event.status, factId: '', amountMinor: 0, currency: null, occurredAt: new Date(event.occurredAt) });
  } else {
    const [order] = await tx.select().from(orders).where(eq(orders.id, canonicalOrderId(shopId, source, event.orderId)));
    if (order && refundInShopCurrency({ amountMinor: event.amountMinor, currency: event.currency }, order) === null) {
      throw new IngestError(`refund ${event.refundId} is in ${event.currency} but order ${event.orderId} is in ${order.currency}`);
    }
    facts.push({ kind: 'refund', factId: event.refundId, amountMinor: event.amountMinor, currency: event.currency, occurredAt: new Date(event.occurredAt) });
  }
  const created = snapshot && customerId ? await createOrder(tx, shopId, source, customerId, snapshot) : false;
  if (facts.length) await tx.insert(orderFacts).values(facts.map((f) => ({ ...key, ...f }))).onConflictDoNothing();
  await recomputeOrder(tx, shopId, source, event.orderId);
  return created;
}

/** The customer an order belongs to, if we hold the order. */
export async function orderCustomer(tx: Tx, shopId: string, source: string, sourceOrderId: string): Promise<string | undefined> {
  const [row] = await tx.select({ customerId: orders.customerId }).from(orders).where(eq(orders.id, canonicalOrderId(shopId, source, sourceOrderId)));
  return row?.customerId;
}

async function createOrder(tx: Tx, shopId: string, source: string, customerId: string, o: Snapshot): Promise<boolean> {
  const id = canonicalOrderId(shopId, source, o.orderId);
  if (o.presentmentTotalMinor !== undefined && o.presentmentCurrency === undefined) {
    throw new IngestError(`order ${o.orderId}: presentmentTotalMinor needs presentmentCurrency`);
  }
  const inserted = await tx
    .insert(orders)
    .values({
      id, shopId, source, sourceId: o.orderId, customerId, status: 'placed', currency: o.currency, totalMinor: o.totalMinor,
      discountMinor: o.discountMinor, placedAt: new Date(o.placedAt),
      presentmentCurrency: o.presentmentCurrency ?? null, presentmentTotalMinor: o.presentmentTotalMinor ?? null,
    })
    .onConflictDoNothing()
    .returning({ id: orders.id });
  if (inserted.length === 0) return false;
  if (o.lines.length) await tx.insert(orderLines).values(o.lines.map((l, i) => ({ orderId: id, lineNo: i + 1, ...l })));
  if (o.cartId) await tx.update(carts).set({ status: 'ordered' }).where(and(eq(carts.shopId, shopId), eq(carts.id, o.cartId)));
  return true;
}

/** Sets status, payment, fulfilment, cancellation and refunded amount from every fact held for the order. */
async function recomputeOrder(tx: Tx, shopId: string, source: string, sourceOrderId: string): Promise<void> {
  const id = canonicalOrderId(shopId, source, sourceOrderId);
  const [order] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
  if (!order) return;
  const facts = await tx
    .select({ kind: orderFacts.kind, amountMinor: orderFacts.amountMinor, currency: orderFacts.currency, occurredAt: orderFacts.occurredAt })
    .from(orderFacts)
    .where(and(eq(orderFacts.shopId, shopId), eq(orderFacts.source, source), eq(orderFacts.sourceOrderId, sourceOrderId)));
  const state = deriveOrderState(order, facts);
  if (state.status === order.status && state.refundedMinor === order.refundedMinor && sameInstant(state.paidAt, order.paidAt)
    && sameInstant(state.fulfilledAt, order.fulfilledAt) && sameInstant(state.cancelledAt, order.cancelledAt)) return;
  await tx.update(orders).set({ ...state, updatedAt: new Date() }).where(eq(orders.id, id));
}

const sameInstant = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());
