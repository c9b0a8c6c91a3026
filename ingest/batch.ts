import { sql } from 'drizzle-orm';
import { attributeOrders } from '../attribution/attribute.ts';
import type { CartItem } from '../db/schema.ts';
import { resolveCustomers, type ResolvedRef } from './batch-identity.ts';
import { BROWSE_DWELL_MS, isCatalogEvent, type CanonicalEvent, type CustomerEvent } from './canonical.ts';
import { nextCartItems, type CartState } from './carts.ts';
import { latestConsents, recordConsentsOf } from './consents.ts';
import { applyEventIn, cartedSinceAll, describeFailure, DuplicateEvent, eventRowFields, type AnyEffect, type DwellObservation, type EntryDeps, type EntryEffect, type EntryResult } from './entry.ts';
import { ConcurrentWrite, isDatabaseUnavailable, isRetryable, isUniqueViolation } from './errors.ts';
import type { Tx } from './identity.ts';
import { isOrderEvent, planOrders, writeOrders } from './orders.ts';
import { isSiteVisit, recordSiteVisits, type SiteVisit } from './site-activity.ts';
import { gatheredReads, run, type Reader } from './sql-rows.ts';

// A request's events stored set-wise, with the same rules and the same order as applyEvent one by one:
// a fixed number of statements for views, dwell reports, cart changes, identifies and orders whatever
// their number (look-ups by key are index probes, see ingest/sql-rows.ts); catalog updates (rare, each
// touching several tables) one by one, each under a savepoint. Runs inside the caller's transaction.

type CartEvent = Extract<CustomerEvent, { type: 'cart_updated' | 'cart_item_added' | 'cart_item_removed' }>;
const SET_WISE = new Set<CanonicalEvent['type']>(['product_viewed', 'product_dwell', 'cart_updated', 'cart_item_added', 'cart_item_removed', 'customer_updated',
  'order_placed', 'order_status', 'order_refunded']);
const isCart = (e: CanonicalEvent): e is CartEvent => e.type === 'cart_updated' || e.type === 'cart_item_added' || e.type === 'cart_item_removed';
/** Distinct keys, sorted (rows locked by key are locked in the same order by every request), as a jsonb parameter. */
const ids = (list: string[]) => JSON.stringify([...new Set(list)].sort());

export async function storeBatch(tx: Tx, deps: EntryDeps, shopId: string, source: string, batch: CanonicalEvent[]): Promise<EntryResult[]> {
  const results: (EntryResult | undefined)[] = new Array(batch.length);
  const duplicate: EntryResult = { ok: true, effect: { duplicate: true } };

  // Dedupe on (shop, source, eventId), against the table and within the request.
  const stored = new Set((await run<{ id: string }>(tx, sql`select e.id from jsonb_array_elements_text(${ids(batch.map((e) => e.eventId))}::jsonb) as k(key)
    cross join lateral (select source_event_id as id from events where shop_id = ${shopId} and source = ${source} and source_event_id = k.key offset 0) e`)).map((r) => r.id));
  const live: number[] = [];
  batch.forEach((e, i) => {
    if (stored.has(e.eventId)) results[i] = duplicate;
    else {
      stored.add(e.eventId);
      live.push(i);
    }
  });

  const resolved = await resolveCustomers(tx, deps.cipher, shopId, source,
    batch.map((e, i) => (results[i] || isCatalogEvent(e) ? undefined : e.customer)));

  // The stored carts, views and orders the request touches and its customers' latest consents: one look-up.
  const read = gatheredReads(tx);
  const updates = live.filter((i) => batch[i]!.type === 'customer_updated' && !results[i])
    .map((i) => ({ i, customerId: resolved[i]!.customerId, event: batch[i] as Extract<CustomerEvent, { type: 'customer_updated' }> }));
  const [carts, dwell, orders, consents] = await Promise.all([
    planCarts(read, shopId, batch, live, resolved, results),
    planDwell(read, shopId, source, batch, live, results),
    planOrders(tx, shopId, source, batch, live.filter((i) => isOrderEvent(batch[i]!) && !results[i]), (i) => resolved[i]?.customerId, read),
    latestConsents(read, shopId, updates),
  ]);
  for (const [i, reason] of orders.refused) results[i] = { ok: false, error: reason };
  const customerOf = (i: number) => (orders.events.has(i) ? orders.events.get(i)!.customerId : resolved[i]!.customerId);

  const setWise = live.filter((i) => SET_WISE.has(batch[i]!.type) && !results[i]);
  const rows = setWise.map((i) => {
    const e = batch[i]!;
    const f = eventRowFields(e);
    return { c: customerOf(i), y: e.type, e: e.eventId, t: e.occurredAt, p: dwell.productOf.get(i) ?? f.productId, d: dwell.raisedInBatch.get(e.eventId) ?? f.dwellMs, j: f.props };
  });
  if (rows.length || carts.final.length || dwell.updates.length) {
    // The event rows, the carts after the request's changes and the stored views' raised dwell, in one
    // statement (they touch different rows). The dwell rows are found by key with = any(array(...)),
    // an index look-up whatever the plan. The event rows were deduplicated above, so they go in without
    // `on conflict do nothing` (its speculative insertion cost Postgres 44-47 µs per row instead of 34):
    // one stored by a concurrent request meanwhile makes the unique index refuse the statement, and the
    // transaction runs again, finding it stored.
    const raised = JSON.stringify(dwell.updates);
    await run(tx, sql`with e as (
        insert into events (shop_id, customer_id, type, source, source_event_id, occurred_at, product_id, dwell_ms, props)
        select ${shopId}, r.c, r.y, ${source}, r.e, r.t, r.p, r.d, r.j
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(c text, y text, e text, t timestamptz, p text, d integer, j jsonb)),
      c as (
        insert into carts (shop_id, id, customer_id, items, value_minor, currency, status, updated_at)
        select ${shopId}, r.id, r.c, r.i, r.v, r.cur, r.s, r.at from jsonb_to_recordset(${JSON.stringify(carts.final)}::jsonb)
        as r(id text, c text, i jsonb, v integer, cur text, s text, at timestamptz)
        on conflict (shop_id, id) do update set customer_id = excluded.customer_id, items = excluded.items, value_minor = excluded.value_minor,
          currency = excluded.currency, status = excluded.status, updated_at = excluded.updated_at),
      d as (
        update events v set dwell_ms = r.d from jsonb_to_recordset(${raised}::jsonb) as r(id bigint, d integer)
        where v.id = any(array(select (x->>'id')::bigint from jsonb_array_elements(${raised}::jsonb) x)) and v.id = r.id and coalesce(v.dwell_ms, 0) < r.d)
      select 1`).catch((error: unknown) => {
      throw isUniqueViolation(error, 'events_source_idx') ? new ConcurrentWrite('an event of this request was stored by another request meanwhile') : error;
    });
  }
  const createdOrders = await writeOrders(tx, shopId, source, orders);
  const withdrawn = await recordConsentsOf(tx, shopId, source, updates, consents);

  // Whether each long view's product went into a cart since: judged once the request's cart changes
  // are stored (a product carted in the same request counts), for all the request's views at once.
  const crossed = setWise.filter((i) => dwell.crossings.has(i) && customerOf(i) !== null);
  const carted = new Map<number, boolean>();
  (await cartedSinceAll(tx, crossed.map((i) => ({ customerId: customerOf(i)!, productId: dwell.crossings.get(i)!.productId, since: dwell.crossings.get(i)!.viewedAt }))))
    .forEach((c, k) => carted.set(crossed[k]!, c));

  const visits: SiteVisit[] = [];
  for (const i of setWise) {
    const e = batch[i]! as CustomerEvent;
    const r = resolved[i];
    const customerId = customerOf(i);
    if (customerId === null) {
      // A refund of an order we do not hold, naming no customer: kept with its fact, for no one yet.
      results[i] = { ok: true, effect: { duplicate: false, customerId: null, event: e as Extract<CanonicalEvent, { type: 'order_refunded' }>, stock: [] } };
      continue;
    }
    const effect: Extract<EntryEffect, { duplicate: false }> = { duplicate: false, customerId, customerCreated: r?.created ?? false, identified: r?.identified ?? false, event: e };
    if (r?.anonymous) effect.anonymous = true;
    if (r?.merged) effect.merged = true;
    const cart = carts.states.get(i);
    if (cart) effect.cart = cart;
    const seen = dwell.crossings.get(i);
    if (seen) effect.dwell = { ...seen, cartedSince: carted.get(i)! };
    const planned = orders.events.get(i);
    if (planned) effect.orderCreated = planned.orderCreated;
    const u = updates.findIndex((x) => x.i === i);
    if (u >= 0 && withdrawn[u]!.length) effect.consentsWithdrawn = withdrawn[u];
    if (isSiteVisit(e)) visits.push({ customerId, at: e.occurredAt, timezone: r?.timezone });
    results[i] = { ok: true, effect };
  }
  await recordSiteVisits(tx, shopId, visits);
  // Every order entering here is credited (or marked organic) at once, whether or not a journey awaits it.
  await attributeOrders(tx, shopId, createdOrders);

  for (const i of live) {
    if (results[i]) continue;
    try {
      const effect: AnyEffect = await tx.transaction((sp) => applyEventIn(sp, deps, shopId, source, batch[i]!, resolved[i]));
      results[i] = { ok: true, effect };
    } catch (error) {
      if (error instanceof DuplicateEvent) results[i] = duplicate;
      else if (isDatabaseUnavailable(error) || isRetryable(error)) throw error;
      else results[i] = { ok: false, error: describeFailure(error) };
    }
  }
  return results as EntryResult[];
}

/** Cart changes applied in memory in the order sent, from the stored carts (locked); one upsert per cart. */
async function planCarts(read: Reader, shopId: string, batch: CanonicalEvent[], live: number[], resolved: (ResolvedRef | undefined)[], results: (EntryResult | undefined)[]) {
  const changes = live.filter((i) => isCart(batch[i]!));
  const states = new Map<number, CartState>();
  const carts = new Map<string, { items: CartItem[]; currency: string; customerId: string; at: string }>();
  if (changes.length === 0) return { states, final: [] };
  const current = (await read<{ id: string; items: CartItem[]; currency: string; customerId: string; at: string }>(sql`
    select c.* from jsonb_array_elements_text(${ids(changes.map((i) => (batch[i] as CartEvent).cartId))}::jsonb) as k(key)
    cross join lateral (select id, items, currency, customer_id as "customerId", updated_at as at from carts
      where shop_id = ${shopId} and id = k.key offset 0 for update) c`));
  for (const c of current) carts.set(c.id, c);
  const touched = new Set<string>();
  for (const i of changes) {
    const e = batch[i] as CartEvent;
    const cart = carts.get(e.cartId);
    if (cart && cart.currency !== e.currency && cart.items.length > 0 && e.type !== 'cart_updated') {
      results[i] = { ok: false, error: `cart ${e.cartId} is in ${cart.currency}; an item in ${e.currency} cannot be added to it` };
      continue;
    }
    const items = nextCartItems(cart?.items ?? [], e);
    carts.set(e.cartId, { items, currency: e.currency, customerId: resolved[i]!.customerId, at: e.occurredAt });
    touched.add(e.cartId);
    states.set(i, { cartId: e.cartId, productIds: items.map((x) => x.productId), valueMinor: value(items), currency: e.currency, emptied: items.length === 0, at: e.occurredAt });
  }
  const final = [...touched].sort().map((id) => {
    const c = carts.get(id)!;
    return { id, c: c.customerId, i: c.items, v: value(c.items), cur: c.currency, s: c.items.length ? 'open' : 'emptied', at: c.at };
  });
  return { states, final };
}

const value = (items: CartItem[]) => items.reduce((sum, x) => sum + x.priceMinor * x.quantity, 0);

/**
 * Dwell reports and long views: the view each report refers to (sent earlier in the request, or
 * stored and locked), its dwell raised to the longest reported, and each crossing of the browse
 * threshold, as applyEvent would find them one by one.
 */
async function planDwell(read: Reader, shopId: string, source: string, batch: CanonicalEvent[], live: number[], results: (EntryResult | undefined)[]) {
  const productOf = new Map<number, string | null>();
  const crossings = new Map<number, Omit<DwellObservation, 'cartedSince'>>();
  const updates: { id: string; d: number }[] = [];
  const reports = live.filter((i) => batch[i]!.type === 'product_dwell' && !results[i]);
  const views = new Map<string, { rowId?: string; productId: string | null; dwellMs: number | null; at: string }>();
  if (reports.length) {
    const inBatch = new Set(live.map((i) => batch[i]!.eventId));
    const wanted = reports.map((i) => (batch[i] as Extract<CanonicalEvent, { type: 'product_dwell' }>).viewEventId).filter((v) => !inBatch.has(v));
    if (wanted.length) {
      const found = (await read<{ rowId: string | number; id: string; productId: string | null; dwellMs: number | null; at: string }>(sql`
        select v.* from jsonb_array_elements_text(${ids(wanted)}::jsonb) as k(key)
        cross join lateral (select id as "rowId", source_event_id as id, product_id as "productId", dwell_ms as "dwellMs", occurred_at as at from events
          where shop_id = ${shopId} and source = ${source} and source_event_id = k.key offset 0 for update) v`));
      for (const v of found) views.set(v.id, { rowId: String(v.rowId), productId: v.productId, dwellMs: v.dwellMs, at: new Date(v.at).toISOString() });
    }
  }
  const raised = new Map<string, number>();
  for (const i of live) {
    const e = batch[i]!;
    if (results[i]) continue;
    if (e.type === 'product_viewed') {
      views.set(e.eventId, { productId: e.productId, dwellMs: e.dwellMs ?? null, at: e.occurredAt });
      if ((e.dwellMs ?? 0) >= BROWSE_DWELL_MS) crossings.set(i, { viewEventId: e.eventId, productId: e.productId, dwellMs: e.dwellMs!, viewedAt: e.occurredAt });
    } else if (e.type === 'product_dwell') {
      const view = views.get(e.viewEventId);
      const productId = view?.productId ?? e.productId ?? null;
      productOf.set(i, productId);
      const before = view?.dwellMs ?? 0;
      if (view && e.dwellMs > before) {
        view.dwellMs = e.dwellMs;
        raised.set(e.viewEventId, e.dwellMs);
      }
      const viewedAt = view?.at ?? new Date(Date.parse(e.occurredAt) - e.dwellMs).toISOString();
      if (productId && before < BROWSE_DWELL_MS && e.dwellMs >= BROWSE_DWELL_MS) crossings.set(i, { viewEventId: e.viewEventId, productId, dwellMs: e.dwellMs, viewedAt });
    }
  }
  // A view sent in this request is stored with its longest dwell; a stored one is raised by its row id.
  const raisedInBatch = new Map<string, number>();
  for (const [v, d] of [...raised.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rowId = views.get(v)?.rowId;
    if (rowId) updates.push({ id: rowId, d });
    else raisedInBatch.set(v, d);
  }
  return { productOf, crossings, updates, raisedInBatch };
}
