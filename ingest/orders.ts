import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { OrderStatus } from '../db/schema.ts';
import type { CanonicalEvent, CustomerEvent, orderSnapshot } from './canonical.ts';
import { ConcurrentWrite, IngestError } from './errors.ts';
import type { Tx } from './identity.ts';
import { deriveOrderState, refundInShopCurrency, type OrderFact, type OrderMoney } from './order-status.ts';
import { run, type Reader } from './sql-rows.ts';

/** The canonical order id for a source's order, as stored by applyEvent. */
export const canonicalOrderId = (shopId: string, source: string, sourceOrderId: string) => `ord_${shopId}_${source}_${sourceOrderId}`;

export type OrderEvent = Extract<CustomerEvent, { type: 'order_placed' | 'order_status' | 'order_refunded' }>;
type Snapshot = z.infer<typeof orderSnapshot>;

/** The order as an event describes it, when it does (enough to create it). */
export function orderSnapshotOf(event: OrderEvent): Snapshot | undefined {
  if (event.type === 'order_placed') return { ...event, placedAt: event.occurredAt };
  return event.type === 'order_status' ? event.order : undefined;
}

/**
 * Stores what an order event says: the order itself (once; the first description wins) and the facts
 * about its progress, then derives the status from all facts held. Returns whether the order was
 * created by this event.
 */
export async function applyOrderEvent(tx: Tx, shopId: string, source: string, customerId: string | null, event: OrderEvent): Promise<boolean> {
  const plan = await planOrders(tx, shopId, source, [event], [0], () => customerId ?? undefined);
  const refused = plan.refused.get(0);
  if (refused) throw new IngestError(refused);
  await writeOrders(tx, shopId, source, plan);
  return plan.events.get(0)?.orderCreated ?? false;
}

/** The customer an order belongs to, if we hold the order. */
export async function orderCustomer(tx: Tx, shopId: string, source: string, sourceOrderId: string): Promise<string | undefined> {
  const [row] = (await run<{ customerId: string }>(tx, sql`select customer_id as "customerId" from orders where id = ${canonicalOrderId(shopId, source, sourceOrderId)}`));
  return row?.customerId;
}

// Order events of a request, all at once and in the order sent (one event is a request of one): the
// orders they name are read with one statement, checked and planned in memory (the first description
// of an order creates it, refunds are checked against the order's currencies, facts are collected),
// written with one statement, and every touched order's status derived again from all its facts with
// two more.

export const isOrderEvent = (e: CanonicalEvent): e is OrderEvent => e.type === 'order_placed' || e.type === 'order_status' || e.type === 'order_refunded';

type Held = OrderMoney & { customerId: string };

export interface PlannedOrderEvent {
  /** The customer the event is stored under: its own, or for a refund naming none the order's (null when we hold no such order). */
  customerId: string | null;
  orderCreated: boolean;
}

export interface OrderPlan {
  events: Map<number, PlannedOrderEvent>;
  /** Refused events with the reason, as applyEvent would refuse them one by one. */
  refused: Map<number, string>;
  creates: { id: string; s: string; c: string; cur: string; t: number; d: number; at: string; pc: string | null; pt: number | null; cart: string | null;
    lines: { n: number; p: string; q: number; m: number }[] }[];
  facts: { o: string; k: OrderFact['kind']; f: string; a: number; cur: string | null; at: string }[];
  touched: string[];
}

/** Plans the order events `indexes` of `batch`; `customerOf(i)` is the resolved customer of event i, if it names one. */
export async function planOrders(tx: Tx, shopId: string, source: string, batch: CanonicalEvent[], indexes: number[], customerOf: (i: number) => string | undefined,
  read: Reader = (q) => run(tx, q)): Promise<OrderPlan> {
  const plan: OrderPlan = { events: new Map(), refused: new Map(), creates: [], facts: [], touched: [] };
  if (indexes.length === 0) return plan;
  const ids = [...new Set(indexes.map((i) => canonicalOrderId(shopId, source, (batch[i] as OrderEvent).orderId)))];
  const held = new Map<string, Held>();
  for (const o of (await read<Held & { id: string }>(sql`
    select o.* from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as k(id)
    cross join lateral (select id, customer_id as "customerId", currency, total_minor as "totalMinor", presentment_currency as "presentmentCurrency",
      presentment_total_minor as "presentmentTotalMinor" from orders where id = k.id offset 0) o`))) {
    held.set(o.id, o);
  }
  const touched = new Set<string>();
  for (const i of indexes) {
    const e = batch[i] as OrderEvent;
    const id = canonicalOrderId(shopId, source, e.orderId);
    const customerId = customerOf(i) ?? (e.type === 'order_refunded' ? held.get(id)?.customerId : undefined) ?? null;
    const order = held.get(id);
    if (e.type === 'order_refunded' && order && refundInShopCurrency({ amountMinor: e.amountMinor, currency: e.currency }, order) === null) {
      plan.refused.set(i, `refund ${e.refundId} is in ${e.currency} but order ${e.orderId} is in ${order.currency}`);
      continue;
    }
    const snapshot = orderSnapshotOf(e);
    let orderCreated = false;
    if (snapshot && customerId) {
      if (snapshot.presentmentTotalMinor !== undefined && snapshot.presentmentCurrency === undefined) {
        plan.refused.set(i, `order ${snapshot.orderId}: presentmentTotalMinor needs presentmentCurrency`);
        continue;
      }
      if (!order) {
        orderCreated = true;
        held.set(id, { customerId, currency: snapshot.currency, totalMinor: snapshot.totalMinor, presentmentCurrency: snapshot.presentmentCurrency ?? null,
          presentmentTotalMinor: snapshot.presentmentTotalMinor ?? null });
        plan.creates.push({ id, s: snapshot.orderId, c: customerId, cur: snapshot.currency, t: snapshot.totalMinor, d: snapshot.discountMinor,
          at: snapshot.placedAt, pc: snapshot.presentmentCurrency ?? null, pt: snapshot.presentmentTotalMinor ?? null, cart: snapshot.cartId ?? null,
          lines: snapshot.lines.map((l, n) => ({ n: n + 1, p: l.productId, q: l.quantity, m: l.priceMinor })) });
      }
    }
    if (e.type === 'order_placed') {
      for (const kind of ['paid', 'fulfilled', 'cancelled'] as const) {
        const at = e[`${kind}At`];
        if (at) plan.facts.push({ o: e.orderId, k: kind, f: '', a: 0, cur: null, at });
      }
    } else if (e.type === 'order_status') plan.facts.push({ o: e.orderId, k: e.status, f: '', a: 0, cur: null, at: e.occurredAt });
    else plan.facts.push({ o: e.orderId, k: 'refund', f: e.refundId, a: e.amountMinor, cur: e.currency, at: e.occurredAt });
    touched.add(id);
    plan.events.set(i, { customerId, orderCreated });
  }
  plan.touched = [...touched].sort();
  return plan;
}

/**
 * Writes a plan (after the events' rows): new orders with their lines, their carts marked ordered, the
 * facts; then each touched order's status from all its facts. Returns the ids of the orders created.
 */
export async function writeOrders(tx: Tx, shopId: string, source: string, plan: OrderPlan): Promise<string[]> {
  if (plan.touched.length === 0) return [];
  const creates = [...plan.creates].sort((a, b) => (a.id < b.id ? -1 : 1));
  const [written] = (await run<{ created: string[] | null }>(tx, sql`
    with o as (
      insert into orders (id, shop_id, source, source_id, customer_id, status, currency, total_minor, discount_minor, placed_at, presentment_currency, presentment_total_minor)
      select r.id, ${shopId}, ${source}, r.s, r.c, 'placed', r.cur, r.t, r.d, r.at, r.pc, r.pt
      from jsonb_to_recordset(${JSON.stringify(creates)}::jsonb) as r(id text, s text, c text, cur text, t integer, d integer, at timestamptz, pc text, pt integer)
      on conflict do nothing returning id),
    l as (
      insert into order_lines (order_id, line_no, product_id, quantity, price_minor)
      select r.id, l.n, l.p, l.q, l.m from jsonb_to_recordset(${JSON.stringify(creates)}::jsonb) as r(id text, lines jsonb)
      cross join lateral jsonb_to_recordset(r.lines) as l(n integer, p text, q integer, m integer)
      where r.id in (select id from o)),
    c as (
      update carts set status = 'ordered' from jsonb_to_recordset(${JSON.stringify(creates)}::jsonb) as r(id text, cart text)
      where carts.shop_id = ${shopId} and carts.id = r.cart and r.id in (select id from o)),
    f as (
      insert into order_facts (shop_id, source, source_order_id, kind, fact_id, amount_minor, currency, occurred_at)
      select ${shopId}, ${source}, r.o, r.k, r.f, r.a, r.cur, r.at from jsonb_to_recordset(${JSON.stringify(plan.facts)}::jsonb)
      as r(o text, k text, f text, a integer, cur text, at timestamptz)
      on conflict do nothing)
    select array_agg(id) as created from o`));
  const created = written?.created ?? [];
  if (created.length < creates.length) throw new ConcurrentWrite('an order of this request was created by another request meanwhile');

  const orders = (await run<OrderMoney & { id: string; status: OrderStatus; refundedMinor: number; paidAt: string | null; fulfilledAt: string | null;
    cancelledAt: string | null; facts: { kind: OrderFact['kind']; amountMinor: number; currency: string | null; occurredAt: string }[] }>(tx, sql`
    select o.*, coalesce((select jsonb_agg(jsonb_build_object('kind', f.kind, 'amountMinor', f.amount_minor, 'currency', f.currency, 'occurredAt', f.occurred_at))
      from order_facts f where f.shop_id = ${shopId} and f.source = ${source} and f.source_order_id = o."sourceId"), '[]'::jsonb) as facts
    from jsonb_array_elements_text(${JSON.stringify(plan.touched)}::jsonb) as k(id)
    cross join lateral (select id, source_id as "sourceId", status, refunded_minor as "refundedMinor", paid_at as "paidAt", fulfilled_at as "fulfilledAt",
      cancelled_at as "cancelledAt", currency, total_minor as "totalMinor", presentment_currency as "presentmentCurrency",
      presentment_total_minor as "presentmentTotalMinor" from orders where id = k.id offset 0 for update) o`));
  const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString());
  const changed = orders.flatMap((o) => {
    const state = deriveOrderState(o, o.facts.map((f) => ({ ...f, occurredAt: new Date(f.occurredAt) })));
    const next = { id: o.id, st: state.status, r: state.refundedMinor, p: iso(state.paidAt), f: iso(state.fulfilledAt), c: iso(state.cancelledAt) };
    const same = next.st === o.status && next.r === o.refundedMinor && next.p === iso(o.paidAt) && next.f === iso(o.fulfilledAt) && next.c === iso(o.cancelledAt);
    return same ? [] : [next];
  });
  if (changed.length) {
    await run(tx, sql`update orders o set status = r.st, refunded_minor = r.r, paid_at = r.p, fulfilled_at = r.f, cancelled_at = r.c, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id text, st text, r integer, p timestamptz, f timestamptz, c timestamptz) where o.id = r.id`);
  }
  return created;
}
