import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { carts, events } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';
import type { Channel } from '../workflows/types.ts';
import { applyCatalogEvent, type StockChange } from './catalog.ts';
import { BROWSE_DWELL_MS, isCatalogEvent, type CanonicalEvent, type CatalogEvent, type CustomerEvent } from './canonical.ts';
import { applyBulkViews, isBulkView } from './bulk-views.ts';
import { resolveCustomer, type Tx } from './identity.ts';
import { applyCartChange, type CartState } from './carts.ts';
import { applyOrderEvent, orderCustomer } from './orders.ts';
import { recordConsents } from './consents.ts';
import { IngestError } from './errors.ts';

export { IngestError } from './errors.ts';
export { canonicalOrderId } from './orders.ts';

export interface EntryDeps {
  database: Database;
  cipher: PiiCipher;
}

/** A product viewed long enough to matter, and whether it went into a cart since. */
export interface DwellObservation {
  viewEventId: string;
  productId: string;
  dwellMs: number;
  viewedAt: string;
  cartedSince: boolean;
}

/** What storing an event changed, for the router to act on. */
export type EntryEffect =
  | { duplicate: true }
  | {
      duplicate: false;
      customerId: string;
      customerCreated: boolean;
      /** The customer became known with this event (created with a user id or e-mail, or an anonymous visitor identified). */
      identified?: boolean;
      event: CustomerEvent;
      orderCreated?: boolean;
      cart?: CartState;
      dwell?: DwellObservation;
      consentsWithdrawn?: Channel[];
    };

/** What an event that concerns no known customer changed (product and stock updates, a refund for an order not yet seen). */
export interface CatalogEffect {
  duplicate: false;
  customerId: null;
  event: CatalogEvent | Extract<CanonicalEvent, { type: 'order_refunded' }>;
  stock: StockChange[];
}

export type AnyEffect = EntryEffect | CatalogEffect;
export type EntryResult = { ok: true; effect: AnyEffect } | { ok: false; error: string };

class DuplicateEvent extends Error {}

/**
 * The one governed entry path for every source: dedupe on (shop, source, eventId), resolve the
 * pseudonymous customer, and write the canonical records in one transaction, so an event is either
 * stored whole or not at all.
 */
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CustomerEvent): Promise<EntryEffect>;
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<AnyEffect>;
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<AnyEffect> {
  const { db } = deps.database;
  const [seen] = await db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.shopId, shopId), eq(events.source, source), eq(events.sourceEventId, event.eventId)));
  if (seen) return { duplicate: true };
  try {
    return await db.transaction(async (tx) => {
      if (isCatalogEvent(event)) {
        await insertEventRow(tx, shopId, source, event, null);
        return { duplicate: false as const, customerId: null, event, stock: await applyCatalogEvent(tx, shopId, source, event) };
      }
      let customer = { customerId: '', created: false, identified: false };
      if (event.customer) customer = await resolveCustomer(tx, deps.cipher, shopId, source, event.customer);
      else {
        const owner = event.type === 'order_refunded' ? await orderCustomer(tx, shopId, source, event.orderId) : undefined;
        if (!owner) {
          await insertEventRow(tx, shopId, source, event, null);
          await applyOrderEvent(tx, shopId, source, null, event as Extract<CanonicalEvent, { type: 'order_refunded' }>);
          return { duplicate: false as const, customerId: null, event: event as Extract<CanonicalEvent, { type: 'order_refunded' }>, stock: [] };
        }
        customer.customerId = owner;
      }
      const { customerId } = customer;
      const dwell = await insertEventRow(tx, shopId, source, event, customerId);
      const effect: Extract<EntryEffect, { duplicate: false }> = {
        duplicate: false, customerId, customerCreated: customer.created, identified: customer.identified, event,
      };
      if (dwell) effect.dwell = dwell;
      switch (event.type) {
        case 'cart_updated':
        case 'cart_item_added':
        case 'cart_item_removed':
          effect.cart = await applyCartChange(tx, shopId, customerId, event);
          break;
        case 'order_placed':
        case 'order_status':
        case 'order_refunded':
          effect.orderCreated = await applyOrderEvent(tx, shopId, source, customerId, event);
          break;
        case 'customer_updated': {
          const withdrawn = await recordConsents(tx, shopId, customerId, source, event);
          if (withdrawn.length) effect.consentsWithdrawn = withdrawn;
          break;
        }
        default:
          break;
      }
      return effect;
    });
  } catch (error) {
    if (error instanceof DuplicateEvent) return { duplicate: true };
    throw error;
  }
}

/**
 * Many events from one request. Plain product views (most of the traffic) are stored first, together,
 * in one transaction with set-based customer resolution; every other event then goes through
 * applyEvent on its own, in the order sent (a dwell report finds its view, an identify merges the
 * views just stored). One bad event never takes the others down: it comes back as an error.
 */
export async function applyEvents(deps: EntryDeps, shopId: string, source: string, batch: CanonicalEvent[]): Promise<EntryResult[]> {
  const results: EntryResult[] = new Array(batch.length);
  const views = batch.flatMap((e, index) => (isBulkView(e) ? [index] : []));
  if (views.length >= 2) {
    const bulk = await applyBulkViews(deps, shopId, source, views.map((k) => batch[k] as Extract<CanonicalEvent, { type: 'product_viewed' }>)).catch(() => null);
    bulk?.forEach((outcome, k) => {
      if (outcome !== 'slow') results[views[k]!] = { ok: true, effect: outcome };
    });
  }
  for (const [index, event] of batch.entries()) if (!results[index]) results[index] = await applyOne(deps, shopId, source, event);
  return results;
}

async function applyOne(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<EntryResult> {
  try {
    return { ok: true, effect: await applyEvent(deps, shopId, source, event) };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  }
}

/** A message for a refused event: our own errors as they are, database errors by their cause. */
export function describeFailure(error: unknown): string {
  if (error instanceof IngestError) return error.message;
  const e = error as { message?: string; cause?: { message?: string } };
  return `could not store the event: ${e.cause?.message ?? e.message ?? String(error)}`;
}

/**
 * Writes the raw event row, the dedupe point: a second insert of the same source event id throws
 * DuplicateEvent and rolls the transaction back. For views and dwell updates it reports a dwell that
 * crossed the browse-abandon threshold with this event.
 */
async function insertEventRow(tx: Tx, shopId: string, source: string, event: CanonicalEvent, customerId: string | null): Promise<DwellObservation | undefined> {
  const occurredAt = new Date(event.occurredAt);
  let productId: string | null = null;
  let dwellMs: number | null = null;
  let props: Record<string, unknown> = {};
  let crossing: { viewEventId: string; productId: string; dwellMs: number; viewedAt: Date } | undefined;
  switch (event.type) {
    case 'product_viewed':
      productId = event.productId;
      dwellMs = event.dwellMs ?? null;
      if (event.priceMinor !== undefined) props = { priceMinor: event.priceMinor, currency: event.currency };
      if (dwellMs !== null && dwellMs >= BROWSE_DWELL_MS) crossing = { viewEventId: event.eventId, productId, dwellMs, viewedAt: occurredAt };
      break;
    case 'product_dwell': {
      dwellMs = event.dwellMs;
      props = { viewEventId: event.viewEventId };
      const [view] = await tx
        .select({ id: events.id, productId: events.productId, dwellMs: events.dwellMs, occurredAt: events.occurredAt })
        .from(events)
        .where(and(eq(events.shopId, shopId), eq(events.source, source), eq(events.sourceEventId, event.viewEventId)))
        .for('update');
      productId = view?.productId ?? event.productId ?? null;
      const before = view?.dwellMs ?? 0;
      if (view && event.dwellMs > before) await tx.update(events).set({ dwellMs: event.dwellMs }).where(eq(events.id, view.id));
      const viewedAt = view?.occurredAt ?? new Date(occurredAt.getTime() - event.dwellMs);
      if (productId && before < BROWSE_DWELL_MS && event.dwellMs >= BROWSE_DWELL_MS) {
        crossing = { viewEventId: event.viewEventId, productId, dwellMs: event.dwellMs, viewedAt };
      }
      break;
    }
    case 'cart_item_added':
    case 'cart_item_removed':
      productId = event.item.productId;
      props = { cartId: event.cartId, quantity: event.item.quantity };
      break;
    case 'order_placed':
    case 'order_status':
    case 'order_refunded':
      props = { orderId: event.orderId };
      break;
    case 'cart_updated':
      props = { cartId: event.cartId };
      break;
    case 'product_updated':
      productId = event.product.productId;
      break;
    case 'inventory_updated':
      productId = event.productId ?? null;
      props = { itemId: event.itemId, available: event.available };
      break;
    default:
      break;
  }
  const inserted = await tx
    .insert(events)
    .values({ shopId, customerId, type: event.type, source, sourceEventId: event.eventId, occurredAt, productId, dwellMs, props })
    .onConflictDoNothing()
    .returning({ id: events.id });
  if (inserted.length === 0) throw new DuplicateEvent();
  if (!crossing || customerId === null) return undefined;
  return { ...crossing, viewedAt: crossing.viewedAt.toISOString(), cartedSince: await cartedSince(tx, shopId, customerId, crossing.productId, crossing.viewedAt) };
}

/** Did the customer put the product into a cart at or after `since`? */
async function cartedSince(tx: Tx, shopId: string, customerId: string, productId: string, since: Date): Promise<boolean> {
  const [added] = await tx
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.customerId, customerId), eq(events.shopId, shopId), eq(events.type, 'cart_item_added'), eq(events.productId, productId), gte(events.occurredAt, since)))
    .limit(1);
  if (added) return true;
  const [inCart] = await tx
    .select({ id: carts.id })
    .from(carts)
    .where(and(eq(carts.customerId, customerId), eq(carts.shopId, shopId), inArray(carts.status, ['open', 'ordered']),
      sql`${carts.items} @> ${JSON.stringify([{ productId }])}::jsonb`, gte(carts.updatedAt, since)))
    .limit(1);
  return Boolean(inCart);
}
