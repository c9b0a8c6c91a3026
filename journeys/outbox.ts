import { sql } from 'drizzle-orm';
import type { Tx } from '../ingest/identity.ts';
import { run } from '../ingest/sql-rows.ts';
import type { JourneyTrigger } from './triggers.ts';

// The trigger outbox, write side: triggers of stored events are written in the transaction that stores
// the events, so a trigger exists exactly when its event does. journeys/outbox-dispatcher.ts fires them.

/** Triggers of one thing fire in the order they were written: per customer, or per product. */
export const orderKeyOf = (t: JourneyTrigger) => ('customerId' in t ? `customer:${t.customerId}` : `product:${t.productId}`);

/** Only the latest change of a cart matters to its journey (the quiet period restarts from it). */
export const coalesceKeyOf = (t: JourneyTrigger) => (t.kind === 'cart-changed' ? `cart:${t.customerId}:${t.cart.cartId}` : null);

/**
 * Several changes of one cart in one request: only the last is kept, in its place among the others.
 */
export function collapseCartChanges(triggers: JourneyTrigger[]): JourneyTrigger[] {
  const last = new Map<string, number>();
  triggers.forEach((t, i) => {
    const key = coalesceKeyOf(t);
    if (key) last.set(`${t.shopId}/${key}`, i);
  });
  return triggers.filter((t, i) => {
    const key = coalesceKeyOf(t);
    return key === null || last.get(`${t.shopId}/${key}`) === i;
  });
}

/**
 * Writes triggers to the outbox inside the caller's transaction. A cart change still waiting to be
 * fired is marked `coalesced` and the new one is written after everything else of the customer, so the
 * latest cart state fires once, in order. Returns the number of triggers written.
 */
export async function enqueueTriggers(tx: Tx, triggers: JourneyTrigger[]): Promise<number> {
  const rows = collapseCartChanges(triggers).map((t) => ({ s: t.shopId, o: orderKeyOf(t), c: coalesceKeyOf(t), k: t.kind, p: t }));
  if (rows.length === 0) return 0;
  const carts = rows.filter((r) => r.c !== null).map((r) => ({ s: r.s, c: r.c }));
  // One statement: the update sees the outbox as it was before the statement, so it never coalesces
  // the rows being inserted. Ids follow the order of the list (the sequence is drawn in the select's
  // order), which is the order the dispatcher fires one customer's triggers in.
  await run(tx, sql`with coalesced as (
      update trigger_outbox set status = 'coalesced' where status = 'pending' and id = any(array(
        select w.id from jsonb_to_recordset(${JSON.stringify(carts)}::jsonb) as r(s text, c text)
        cross join lateral (select id from trigger_outbox where shop_id = r.s and coalesce_key = r.c and status = 'pending' offset 0) w)))
    insert into trigger_outbox (shop_id, order_key, coalesce_key, kind, payload)
    select r.s, r.o, r.c, r.k, r.p from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as e(v, ord)
    cross join lateral jsonb_to_record(e.v) as r(s text, o text, c text, k text, p jsonb) order by e.ord`);
  return rows.length;
}
