import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { shops } from '../db/schema.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { canonicalEvent, type CanonicalEvent, type CanonicalEventInput } from './canonical.ts';
import { applyEvent, applyEvents, type EntryDeps } from './entry.ts';
import { triggersFor, type JourneyTrigger } from '../journeys/triggers.ts';

let database: Database;
let deps: EntryDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { database, cipher: new PiiCipher(TEST_PII_KEY) };
  await database.db.insert(shops).values([{ id: 'set-wise', name: 'A', currency: 'EUR' }, { id: 'one-by-one', name: 'B', currency: 'EUR' }]);
});
afterAll(async () => database?.close());

/**
 * A random shop day: visitors browse, report dwell, change carts, identify (sometimes with another
 * visitor's e-mail, or on a second device, which merges them), order, refund, and resend what they sent before.
 */
function stream(seed: number, length: number): CanonicalEvent[] {
  const id = (i: number) => `${seed}-e${i}`;
  let s = seed;
  const rnd = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = (n: number) => Math.floor(rnd() * n);
  const out: CanonicalEvent[] = [];
  const views: { id: string; v: number }[] = [];
  const cartGen = new Map<number, number>();
  const orders: { id: string; v: number }[] = [];
  // Now and then a visitor is on a second device, anonymous there until they identify on it (a merge).
  const who = (v: number) => ({ ...(rnd() < 0.15 ? { anonymousId: `dev-${v}` } : { anonymousId: `anon-${v}`, ...(v % 4 === 0 ? { userId: `user-${v}` } : {}) }),
    timezone: v % 2 ? 'Europe/Berlin' : 'America/New_York', locale: 'de-DE' });
  for (let i = 0; i < length; i++) {
    const v = pick(12);
    const base = { eventId: id(i), occurredAt: new Date(Date.UTC(2026, 4, 1, 8) + i * 60_000).toISOString(), customer: who(v) };
    const cart = `cart-${v}-${cartGen.get(v) ?? 0}`;
    const r = rnd();
    let e: CanonicalEventInput;
    if (r < 0.4) {
      e = { ...base, type: 'product_viewed', productId: `p${pick(6)}`, ...(rnd() < 0.1 ? { dwellMs: 200_000 } : {}) };
      views.push({ id: base.eventId, v });
    } else if (r < 0.5 && views.length) {
      const view = views[pick(views.length)]!;
      e = { ...base, customer: who(view.v), type: 'product_dwell', viewEventId: view.id, dwellMs: 20_000 + pick(240_000) };
    } else if (r < 0.65) {
      e = { ...base, type: rnd() < 0.8 ? 'cart_item_added' : 'cart_item_removed', cartId: cart, currency: 'EUR', item: { productId: `p${pick(6)}`, quantity: 1 + pick(2), priceMinor: 1000 } };
    } else if (r < 0.7) {
      e = { ...base, type: 'cart_updated', cartId: cart, currency: 'EUR', items: [{ productId: `p${pick(6)}`, quantity: 1, priceMinor: 500 }] };
    } else if (r < 0.8) {
      const mail = rnd() < 0.3 ? pick(12) : v;
      e = { ...base, type: 'customer_updated', customer: { ...who(v), userId: `user-${v}`, email: `visitor${mail}@example.com` }, consents: [{ channel: 'email', granted: rnd() < 0.7 }] };
    } else if (r < 0.88) {
      e = { ...base, type: 'order_placed', orderId: `${seed}-o${i}`, cartId: cart, currency: 'EUR', totalMinor: 3000, lines: [{ productId: `p${pick(6)}`, quantity: 3, priceMinor: 1000 }] };
      orders.push({ id: `${seed}-o${i}`, v });
      cartGen.set(v, (cartGen.get(v) ?? 0) + 1);
    } else if (r < 0.92 && orders.length) {
      const o = orders[pick(orders.length)]!;
      e = { ...base, type: 'order_refunded', customer: who(o.v), orderId: o.id, refundId: `r${i}`, amountMinor: 500, currency: rnd() < 0.2 ? 'USD' : 'EUR' };
    } else if (out.length) {
      out.push(out[pick(out.length)]!);
      continue;
    } else continue;
    out.push(canonicalEvent.parse(e));
  }
  return out;
}

/** The shop's stored state with customers named by their identities, so two runs can be compared. */
async function snapshot(shopId: string) {
  const q = <T>(query: ReturnType<typeof sql>) => database.rows<T>(query);
  const names = new Map((await q<{ id: string; name: string }>(sql`select customer_id as id, string_agg(source_id, ',' order by source_id) as name
    from customer_identities where shop_id = ${shopId} group by customer_id`)).map((r) => [r.id, r.name]));
  const n = (id: string | null) => (id === null ? null : (names.get(id) ?? `unnamed`));
  const customers = (await q<{ id: string; anonymous: boolean; timezone: string | null; locale: string | null }>(sql`select id, anonymous, timezone, locale
    from customers where shop_id = ${shopId} and merged_into is null`)).map((c) => ({ ...c, id: n(c.id) })).sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const events = (await q<Record<string, unknown>>(sql`select source_event_id, customer_id, type, product_id, dwell_ms, props from events where shop_id = ${shopId} order by source_event_id`))
    .map((e): Record<string, unknown> => ({ ...e, customer_id: n(e.customer_id as string | null) }));
  const carts = (await q<Record<string, unknown>>(sql`select id, customer_id, items, value_minor, status, currency from carts where shop_id = ${shopId} order by id`))
    .map((c) => ({ ...c, customer_id: n(c.customer_id as string) }));
  const orders = (await q<Record<string, unknown>>(sql`select source_id, customer_id, status, refunded_minor, total_minor from orders where shop_id = ${shopId} order by source_id`))
    .map((o): Record<string, unknown> => ({ ...o, customer_id: n(o.customer_id as string) }));
  const contacts = (await q<{ customer_id: string; email_hash: string | null }>(sql`select customer_id, email_hash from contacts where shop_id = ${shopId}`))
    .map((c) => ({ ...c, customer_id: n(c.customer_id) })).sort((a, b) => String(a.customer_id).localeCompare(String(b.customer_id)));
  const consents = (await q<Record<string, unknown>>(sql`select customer_id, channel, granted, recorded_at from consents where shop_id = ${shopId}`))
    .map((c) => ({ ...c, customer_id: n(c.customer_id as string) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // Site activity per customer, to the ninth decimal (merges fold a visitor's hours in another order).
  const activity = (await q<{ customer_id: string; hours: Record<string, number> | null }>(sql`select customer_id, state->'siteActivity'->'hours' as hours
    from customer_model_states where shop_id = ${shopId}`))
    .map((a) => ({ customer_id: n(a.customer_id), hours: Object.fromEntries(Object.entries(a.hours ?? {}).map(([h, w]) => [h, Number(w.toFixed(9))])) }))
    .sort((a, b) => String(a.customer_id).localeCompare(String(b.customer_id)));
  return { customers, events, carts, orders, contacts, consents, activity };
}

/**
 * Each trigger of a run, sorted, customers named by their identities (a merged visitor by the
 * customer they joined): kind, customer and, for a cart, which cart.
 */
async function journeysAskedFor(shopId: string, triggers: JourneyTrigger[]): Promise<string[]> {
  const rows = await database.rows<{ id: string; name: string | null }>(sql`select c.id, (select string_agg(source_id, ',' order by source_id)
    from customer_identities i where i.customer_id = coalesce(c.merged_into, c.id)) as name from customers c where c.shop_id = ${shopId}`);
  const names = new Map(rows.map((r) => [r.id, r.name ?? 'unnamed']));
  return triggers.map((t) => {
    const customer = 'customerId' in t ? names.get(t.customerId) : '';
    return `${t.kind}|${customer}|${t.kind === 'cart-changed' ? t.cart.cartId : ''}`;
  }).sort();
}

describe('applyEvents (set-wise)', () => {
  it('ends in the same state as applyEvent one event at a time, over random mixed traffic', async () => {
    const triggers = { sequential: [] as JourneyTrigger[], batched: [] as JourneyTrigger[] };
    for (const seed of [7, 11, 42]) {
      const events = stream(seed, 240);
      const sequential: boolean[] = [];
      for (const e of events) {
        try {
          const effect = await applyEvent(deps, 'one-by-one', 'segment', e);
          sequential.push(!effect.duplicate);
          triggers.sequential.push(...triggersFor('one-by-one', 'segment', effect));
        } catch {
          sequential.push(false);
        }
      }
      const batched: boolean[] = [];
      for (let i = 0, size = 1; i < events.length; i += size, size = 1 + ((i * 7) % 40)) {
        for (const r of await applyEvents(deps, 'set-wise', 'segment', events.slice(i, i + size))) {
          batched.push(r.ok && !r.effect.duplicate);
          if (r.ok) triggers.batched.push(...triggersFor('set-wise', 'segment', r.effect));
        }
      }
      expect(batched).toEqual(sequential);
    }
    // The same triggers, whatever the request sizes: anonymous carts wait, identifies and merges ask for them.
    const [asked, askedOneByOne] = [await journeysAskedFor('set-wise', triggers.batched), await journeysAskedFor('one-by-one', triggers.sequential)];
    expect(asked).toEqual(askedOneByOne);
    expect(asked.filter((a) => a.startsWith('cart-changed|')).length).toBeGreaterThan(5);
    expect(asked.filter((a) => a.startsWith('reachable|')).length).toBeGreaterThan(5);
    const [a, b] = [await snapshot('set-wise'), await snapshot('one-by-one')];
    expect(a.events.length).toBeGreaterThan(400);
    expect(a.events.filter((e) => e.type === 'product_viewed' && (e.dwell_ms as number) >= 180_000).length).toBeGreaterThan(5);
    expect(a.orders.filter((o) => o.status === 'partially_refunded').length).toBeGreaterThan(2);
    expect(a.customers).toEqual(b.customers);
    expect(a.events).toEqual(b.events);
    expect(a.carts).toEqual(b.carts);
    expect(a.orders).toEqual(b.orders);
    expect(a.contacts).toEqual(b.contacts);
    expect(a.consents).toEqual(b.consents);
    expect(a.activity.length).toBeGreaterThan(5);
    expect(a.activity).toEqual(b.activity);
  });

  it('stores an event sent in three concurrent requests once, the others answered a duplicate', async () => {
    await database.db.insert(shops).values({ id: 'twice', name: 'Twice', currency: 'EUR' });
    const request = Array.from({ length: 40 }, (_, i) => canonicalEvent.parse({ type: 'product_viewed', eventId: `twice-${i}`,
      occurredAt: new Date(Date.UTC(2026, 4, 1, 9, i)).toISOString(), customer: { anonymousId: `tw-${i % 5}` }, productId: `p${i}` }));
    const results = await Promise.all([1, 2, 3].map(() => applyEvents(deps, 'twice', 'segment', request)));
    for (let i = 0; i < request.length; i++) {
      const outcomes = results.map((r) => r[i]!);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(outcomes.filter((o) => o.ok && !o.effect.duplicate)).toHaveLength(1);
    }
    const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from events where shop_id = 'twice'`);
    expect(row!.n).toBe(40);
  });

  it('stores concurrent requests naming the same new visitors with one customer per visitor', async () => {
    await database.db.insert(shops).values({ id: 'race', name: 'Race', currency: 'EUR' });
    const requests = Array.from({ length: 4 }, (_, r) => Array.from({ length: 60 }, (_, i) => canonicalEvent.parse({
      type: 'cart_item_added', eventId: `race-${r}-${i}`, occurredAt: new Date(Date.UTC(2026, 4, 1, 9, i)).toISOString(),
      customer: { anonymousId: `v-${(i * 7 + r) % 30}`, ...(i % 5 === 0 ? { userId: `u-${(i * 7 + r) % 30}` } : {}) },
      cartId: `c-${(i * 7 + r) % 30}`, currency: 'EUR', item: { productId: `p${i % 4}`, quantity: 1, priceMinor: 100 } })));
    const results = await Promise.all(requests.map((batch) => applyEvents(deps, 'race', 'segment', batch)));
    expect(results.flat().every((r) => r.ok && !r.effect.duplicate)).toBe(true);
    const [row] = await database.rows<{ visitors: number; customers: number; items: number }>(sql`select
      (select count(distinct customer_id)::int from customer_identities where shop_id = 'race' and source_id like 'anon:%') as visitors,
      (select count(*)::int from customers where shop_id = 'race' and merged_into is null) as customers,
      (select sum((i->>'quantity')::int)::int from carts, jsonb_array_elements(items) i where shop_id = 'race') as items`);
    expect(row).toEqual({ visitors: 30, customers: 30, items: 240 });
  });
});
