import { sql } from 'drizzle-orm';
import { addHourObservation } from '../models/sendtime/curve.ts';
import { defaultShopModelState, newCustomerModelState, type CustomerModelState, type HourCounts } from '../models/state.ts';
import { recordSiteActivity } from '../models/update.ts';
import type { CanonicalEvent } from './canonical.ts';
import type { Tx } from './identity.ts';
import { run } from './sql-rows.ts';

// Site visits as evidence of when a customer is around (models/update.ts#recordSiteActivity): every
// event the customer made on the shop's site folds its hour of week into the customer's model state,
// in the transaction that stores the event. One read and one write per request, whatever the number
// of visits.

/**
 * Events the customer made on the site: views, cart changes and placing an order. Dwell reports belong
 * to a view already counted; order status, refunds, customer records and catalog updates come from the
 * shop's side.
 */
const VISIT_TYPES = new Set<CanonicalEvent['type']>(['product_viewed', 'cart_updated', 'cart_item_added', 'cart_item_removed', 'order_placed']);
export const isSiteVisit = (event: CanonicalEvent): boolean => VISIT_TYPES.has(event.type);

export interface SiteVisit {
  customerId: string;
  /** When the customer was on the site (UTC ISO-8601). */
  at: string;
  /** The customer's time zone at that event when the caller knows it (null: none yet); undefined: the stored one. */
  timezone?: string | null | undefined;
}

/**
 * Records visits, in the order given, on the customers' model states. Existing states are locked (an
 * outcome updating the same customer applies before or after, never in between); a state created by a
 * concurrent request meanwhile is read again and the visits applied to it.
 */
export async function recordSiteVisits(tx: Tx, shopId: string, visits: SiteVisit[]): Promise<void> {
  for (let pending = visits, attempt = 1; pending.length; attempt++) {
    if (attempt > 5) throw new Error(`site activity: customer model states of shop ${shopId} kept being created concurrently`);
    pending = await recordOnce(tx, shopId, pending);
  }
}

/** Returns the visits whose new state lost a race to a concurrent insert. */
async function recordOnce(tx: Tx, shopId: string, visits: SiteVisit[]): Promise<SiteVisit[]> {
  const ids = [...new Set(visits.map((v) => v.customerId))].sort();
  const rows = (await run<{ id: string; customerTz: string | null; shopTz: string; halfLife: number | null; state: CustomerModelState | null }>(tx, sql`
    select c.id, c.timezone as "customerTz", s.timezone as "shopTz", s.half_life as "halfLife", m.state
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality as k(id, n)
    cross join lateral (select id, timezone from customers where id = k.id and shop_id = ${shopId} offset 0) c
    cross join (select timezone, (select (state->>'halfLifeDays')::float8 from shop_model_states where shop_id = ${shopId}) as half_life
      from shops where id = ${shopId}) s
    left join lateral (select state from customer_model_states where customer_id = c.id offset 0 for update) m on true
    order by k.n`));
  const halfLife = rows[0]?.halfLife ?? defaultShopModelState().halfLifeDays;
  const known = new Map(rows.map((r) => [r.id, r]));
  const next = new Map<string, { state: CustomerModelState; isNew: boolean }>();
  for (const visit of visits) {
    const row = known.get(visit.customerId);
    // A customer this shop does not hold (erased meanwhile) has no model to feed.
    if (!row) continue;
    // The customer's zone at the visit (the shop's while the customer has none), as loadCustomerModel sets it.
    const timeZone = (visit.timezone === undefined ? row.customerTz : visit.timezone) ?? row.shopTz;
    const held = next.get(visit.customerId) ?? { state: row.state ?? newCustomerModelState(timeZone, visit.at), isNew: row.state === null };
    const state = recordSiteActivity(held.state.timeZone === timeZone ? held.state : { ...held.state, timeZone }, visit.at, halfLife);
    next.set(visit.customerId, { state, isNew: held.isNew });
  }
  if (next.size === 0) return [];
  const written = [...next.entries()].map(([id, w]) => ({ id, s: w.state, n: w.isNew }));
  const [result] = (await run<{ inserted: string[] | null }>(tx, sql`
    with r as (select * from jsonb_to_recordset(${JSON.stringify(written)}::jsonb) as r(id text, s jsonb, n boolean)),
    ins as (insert into customer_model_states (customer_id, shop_id, state) select r.id, ${shopId}, r.s from r where r.n
      on conflict do nothing returning customer_id),
    upd as (update customer_model_states m set state = r.s, updated_at = now() from r where not r.n and m.customer_id = r.id returning 1)
    select (select array_agg(customer_id) from ins) as inserted, (select count(*) from upd) as updated`));
  const inserted = new Set(result?.inserted ?? []);
  const lost = new Set(written.filter((w) => w.n && !inserted.has(w.id)).map((w) => w.id));
  return lost.size ? visits.filter((v) => lost.has(v.customerId)) : [];
}

/** Evidence of `from` added to `into`, each hour at the instant it was last brought up to date. */
export function mergeHourCounts(into: HourCounts | null, from: HourCounts | null, halfLifeDays: number): HourCounts | null {
  if (!from) return into;
  let out = into;
  const atMs = Date.parse(from.asOf);
  for (const key in from.hours) out = addHourObservation(out, Number(key), atMs, halfLifeDays, from.hours[key]!);
  return out ?? from;
}

/**
 * An anonymous visitor merged into a customer: their model state goes with them. The customer without
 * a state of their own takes the visitor's; otherwise the visitor's site activity is added to theirs
 * (an anonymous visitor has no sends, so that is all the evidence there is).
 */
export async function mergeModelState(tx: Tx, from: string, into: string): Promise<void> {
  const rows = (await run<{ id: string; state: CustomerModelState; halfLife: number | null }>(tx, sql`
    select m.customer_id as id, m.state, (select (s.state->>'halfLifeDays')::float8 from shop_model_states s where s.shop_id = m.shop_id) as "halfLife"
    from customer_model_states m where m.customer_id in (${from}, ${into}) order by m.customer_id for update`));
  const theirs = rows.find((r) => r.id === from);
  if (!theirs) return;
  const ours = rows.find((r) => r.id === into);
  if (!ours) {
    await run(tx, sql`update customer_model_states set customer_id = ${into}, updated_at = now() where customer_id = ${from}`);
    return;
  }
  const siteActivity = mergeHourCounts(ours.state.siteActivity, theirs.state.siteActivity, ours.halfLife ?? defaultShopModelState().halfLifeDays);
  await run(tx, sql`update customer_model_states set state = ${JSON.stringify({ ...ours.state, siteActivity })}::jsonb, updated_at = now() where customer_id = ${into}`);
  await run(tx, sql`delete from customer_model_states where customer_id = ${from}`);
}
