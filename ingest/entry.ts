import { and, eq, sql } from 'drizzle-orm';
import { attributeOrder } from '../attribution/attribute.ts';
import type { Database } from '../db/client.ts';
import { events } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';
import type { Channel } from '../workflows/types.ts';
import { applyCatalogEvent, type StockChange } from './catalog.ts';
import { BROWSE_DWELL_MS, isCatalogEvent, type CanonicalEvent, type CatalogEvent, type CustomerEvent } from './canonical.ts';
import { storeBatch } from './batch.ts';
import type { ResolvedRef } from './batch-identity.ts';
import { resolveCustomer, type Tx } from './identity.ts';
import { applyCartChange, type CartState } from './carts.ts';
import { applyOrderEvent, canonicalOrderId, orderCustomer } from './orders.ts';
import { isSiteVisit, recordSiteVisits } from './site-activity.ts';
import { recordConsents } from './consents.ts';
import { IngestError, isDatabaseUnavailable, isRetryable } from './errors.ts';
import { run } from './sql-rows.ts';

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
      /**
       * The customer is still anonymous after this event (no user id nor e-mail seen): a visitor nobody
       * can reach: their carts, long views and orders start no journey until they identify (journeys/triggers.ts).
       */
      anonymous?: boolean;
      /** An anonymous visitor was folded into the customer with this event, with their carts. */
      merged?: boolean;
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

export class DuplicateEvent extends Error {}

/**
 * The one governed entry path for every source: dedupe on (shop, source, eventId), resolve the
 * pseudonymous customer, and write the canonical records in one transaction, so an event is either
 * stored whole or not at all.
 */
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CustomerEvent): Promise<EntryEffect>;
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<AnyEffect>;
export async function applyEvent(deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent): Promise<AnyEffect> {
  if (await alreadyStored(deps.database.db, shopId, source, event.eventId)) return { duplicate: true };
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.database.db.transaction((tx) => applyEventIn(tx, deps, shopId, source, event));
    } catch (error) {
      if (error instanceof DuplicateEvent) return { duplicate: true };
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
      throw error;
    }
  }
}

const alreadyStored = async (db: Tx | Database['db'], shopId: string, source: string, eventId: string) =>
  (await db.select({ id: events.id }).from(events).where(and(eq(events.shopId, shopId), eq(events.source, source), eq(events.sourceEventId, eventId)))).length > 0;

/**
 * Stores one event inside the caller's transaction. The customer is resolved here unless the caller
 * already did (the set-wise batch path). Throws DuplicateEvent when the event row already exists.
 */
export async function applyEventIn(tx: Tx, deps: EntryDeps, shopId: string, source: string, event: CanonicalEvent, resolved?: ResolvedRef): Promise<AnyEffect> {
  if (isCatalogEvent(event)) {
    await insertEventRow(tx, shopId, source, event, null);
    return { duplicate: false as const, customerId: null, event, stock: await applyCatalogEvent(tx, shopId, source, event) };
  }
  let customer = { customerId: '', created: false, identified: false, anonymous: false, merged: false };
  if (resolved) customer = resolved;
  else if (event.customer) {
    const r = await resolveCustomer(tx, deps.cipher, shopId, source, event.customer);
    customer = { ...r, merged: r.merged.length > 0 };
  }
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
  if (customer.anonymous) effect.anonymous = true;
  if (customer.merged) effect.merged = true;
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
  if (isSiteVisit(event)) await recordSiteVisits(tx, shopId, [{ customerId, at: event.occurredAt }]);
  // Every order entering here is credited (or marked organic) at once, whether or not a journey awaits it.
  if (effect.orderCreated && 'orderId' in event) await attributeOrder(tx, shopId, canonicalOrderId(shopId, source, event.orderId));
  return effect;
}

/** Attempts of a request's transaction that lost a race (deadlock, identity or event created concurrently). */
const MAX_ATTEMPTS = 30;

/** Runs in the request's transaction once its events are stored (the pipeline writes their triggers). */
export type AfterStore = (tx: Tx, results: EntryResult[]) => Promise<void>;

/**
 * Many events from one request, in one transaction: stored set-wise (ingest/batch.ts) with the same
 * rules as applyEvent, in the order sent. One bad event never takes the others down: it comes back as
 * an error and is not stored. If the set-wise path meets an unexpected database error, the request is
 * stored again event by event, each under its own savepoint. A deadlock or a visitor created by a
 * concurrent request retries the whole transaction; an unreachable database throws (nothing is stored).
 */
export async function applyEvents(deps: EntryDeps, shopId: string, source: string, batch: CanonicalEvent[], afterStore?: AfterStore): Promise<EntryResult[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.database.db.transaction((tx) => applyEventsIn(tx, deps, shopId, source, batch, afterStore));
    } catch (error) {
      // Each race lost means a concurrent request got through; under load a request naming many new
      // visitors can lose several in a row (one every attempt while the others create theirs).
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
        await new Promise((r) => setTimeout(r, Math.min(50, 5 * attempt) * Math.random()));
        continue;
      }
      throw error;
    }
  }
}

/**
 * applyEvents' work inside the caller's transaction (the queue processor's, which also deletes the
 * events it stored): set-wise under a savepoint, event by event if that meets an unexpected database
 * error. A retryable error or an unreachable database is thrown for the caller to retry the transaction.
 */
export async function applyEventsIn(tx: Tx, deps: EntryDeps, shopId: string, source: string, batch: CanonicalEvent[], afterStore?: AfterStore): Promise<EntryResult[]> {
  let results: EntryResult[];
  try {
    results = await tx.transaction((sp) => storeBatch(sp, deps, shopId, source, batch));
  } catch (error) {
    if (isRetryable(error) || isDatabaseUnavailable(error)) throw error;
    results = await storeOneByOne(tx, deps, shopId, source, batch);
  }
  await afterStore?.(tx, results);
  return results;
}

/** Each event under its own savepoint: what one event's failure rolls back is that event alone. */
export async function storeOneByOne(tx: Tx, deps: EntryDeps, shopId: string, source: string, batch: CanonicalEvent[]): Promise<EntryResult[]> {
  const results: EntryResult[] = [];
  for (const event of batch) {
    if (await alreadyStored(tx, shopId, source, event.eventId)) {
      results.push({ ok: true, effect: { duplicate: true } });
      continue;
    }
    try {
      results.push({ ok: true, effect: await tx.transaction((sp) => applyEventIn(sp, deps, shopId, source, event)) });
    } catch (error) {
      if (error instanceof DuplicateEvent) results.push({ ok: true, effect: { duplicate: true } });
      else if (isDatabaseUnavailable(error) || isRetryable(error)) throw error;
      else results.push({ ok: false, error: describeFailure(error) });
    }
  }
  return results;
}

/** A message for a refused event: our own errors as they are, database errors by their cause. */
export function describeFailure(error: unknown): string {
  if (error instanceof IngestError) return error.message;
  const e = error as { message?: string; cause?: { message?: string } };
  return `could not store the event: ${e.cause?.message ?? e.message ?? String(error)}`;
}

/** The columns of an event's raw row besides its identity: product, dwell and a few properties. */
export function eventRowFields(event: CanonicalEvent): { productId: string | null; dwellMs: number | null; props: Record<string, unknown> } {
  switch (event.type) {
    case 'product_viewed':
      return { productId: event.productId, dwellMs: event.dwellMs ?? null,
        props: event.priceMinor === undefined ? {} : { priceMinor: event.priceMinor, currency: event.currency } };
    case 'product_dwell':
      return { productId: event.productId ?? null, dwellMs: event.dwellMs, props: { viewEventId: event.viewEventId } };
    case 'cart_item_added':
    case 'cart_item_removed':
      return { productId: event.item.productId, dwellMs: null, props: { cartId: event.cartId, quantity: event.item.quantity } };
    case 'order_placed':
    case 'order_status':
    case 'order_refunded':
      return { productId: null, dwellMs: null, props: { orderId: event.orderId } };
    case 'cart_updated':
      return { productId: null, dwellMs: null, props: { cartId: event.cartId } };
    case 'product_updated':
      return { productId: event.product.productId, dwellMs: null, props: {} };
    case 'inventory_updated':
      return { productId: event.productId ?? null, dwellMs: null, props: { itemId: event.itemId, available: event.available } };
    default:
      return { productId: null, dwellMs: null, props: {} };
  }
}

/**
 * Writes the raw event row, the dedupe point: a second insert of the same source event id throws
 * DuplicateEvent and rolls the transaction back. For views and dwell updates it reports a dwell that
 * crossed the browse-abandon threshold with this event.
 */
async function insertEventRow(tx: Tx, shopId: string, source: string, event: CanonicalEvent, customerId: string | null): Promise<DwellObservation | undefined> {
  const occurredAt = new Date(event.occurredAt);
  const fields = eventRowFields(event);
  const { dwellMs, props } = fields;
  let { productId } = fields;
  let crossing: { viewEventId: string; productId: string; dwellMs: number; viewedAt: Date } | undefined;
  if (event.type === 'product_viewed' && dwellMs !== null && dwellMs >= BROWSE_DWELL_MS) {
    crossing = { viewEventId: event.eventId, productId: event.productId, dwellMs, viewedAt: occurredAt };
  }
  if (event.type === 'product_dwell') {
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
  }
  const inserted = await tx
    .insert(events)
    .values({ shopId, customerId, type: event.type, source, sourceEventId: event.eventId, occurredAt, productId, dwellMs, props })
    .onConflictDoNothing()
    .returning({ id: events.id });
  if (inserted.length === 0) throw new DuplicateEvent();
  if (!crossing || customerId === null) return undefined;
  return { ...crossing, viewedAt: crossing.viewedAt.toISOString(), cartedSince: await cartedSince(tx, customerId, crossing.productId, crossing.viewedAt) };
}

/** Did the customer put the product into a cart at or after `since`? */
export async function cartedSince(tx: Tx, customerId: string, productId: string, since: Date): Promise<boolean> {
  return (await cartedSinceAll(tx, [{ customerId, productId, since: since.toISOString() }]))[0]!;
}

/**
 * cartedSince for many views in one statement: an item added to a cart since (an event) or the product
 * in an open or ordered cart changed since. Each `exists` in the select list runs as its own index
 * look-up per view (by customer), whatever the table statistics. A customer id is its shop's alone
 * (customers' primary key), so the look-ups name no shop: with `shop_id = ...` beside it, a planner
 * without statistics ANDed the customer's index range with the shop's whole range of events_source_idx
 * (1.4 ms per long view at 19,000 events, and growing with the shop).
 */
export async function cartedSinceAll(tx: Tx, views: CartedView[]): Promise<boolean[]> {
  if (views.length === 0) return [];
  return (await run<{ carted: boolean }>(tx, cartedSinceQuery(views))).map((r) => r.carted);
}

type CartedView = { customerId: string; productId: string; since: string };

/** cartedSinceAll's statement (exported for the test that reads its plan). */
export const cartedSinceQuery = (views: CartedView[]) => sql`select exists (select 1 from events e where e.customer_id = v.c and e.type = 'cart_item_added'
        and e.product_id = v.p and e.occurred_at >= v.t)
      or exists (select 1 from carts k where k.customer_id = v.c and k.status in ('open', 'ordered')
        and k.items @> jsonb_build_array(jsonb_build_object('productId', v.p)) and k.updated_at >= v.t) as carted
    from jsonb_array_elements(${JSON.stringify(views.map((v) => ({ c: v.customerId, p: v.productId, t: v.since })))}::jsonb) with ordinality as x(r, n)
      cross join lateral jsonb_to_record(x.r) as v(c text, p text, t timestamptz) order by x.n`;
