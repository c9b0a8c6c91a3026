import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { carts, consents, contacts, customers, events, orders, products, shops } from '../db/schema.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { canonicalEvent, type CanonicalEventInput, type CustomerEvent } from './canonical.ts';
import { applyEvent, applyEvents, canonicalOrderId, cartedSinceQuery, type EntryDeps } from './entry.ts';

let database: Database;
let deps: EntryDeps;
const shopId = 'shop-entry';
let n = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 10, minute)).toISOString();
// Cast: the tests pass catalog events too, and read effects field by field.
const ev = (e: Record<string, unknown>) => canonicalEvent.parse({ eventId: `e${++n}`, occurredAt: at(0), ...e } as CanonicalEventInput) as CustomerEvent;

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { database, cipher: new PiiCipher(TEST_PII_KEY) };
  await database.db.insert(shops).values({ id: shopId, name: 'Entry', currency: 'EUR', lowStockThreshold: 3 });
});
afterAll(async () => database?.close());

const orderRow = (source: string, id: string) =>
  database.db.select().from(orders).where(eq(orders.id, canonicalOrderId(shopId, source, id))).then((r) => r[0]);

describe('applyEvent', () => {
  it('acknowledges a resent event as a duplicate and stores it once', async () => {
    const view = ev({ type: 'product_viewed', customer: { anonymousId: 'a-dup' }, productId: 'p1' });
    expect((await applyEvent(deps, shopId, 'api', view)).duplicate).toBe(false);
    expect(await applyEvent(deps, shopId, 'api', view)).toEqual({ duplicate: true });
    const rows = await database.db.select().from(events).where(eq(events.sourceEventId, view.eventId));
    expect(rows).toHaveLength(1);
  });

  it('ends an order in the same state whatever order its facts arrive in', async () => {
    const lines = [{ productId: 'p1', quantity: 2, priceMinor: 2500 }];
    const placed = (id: string) => ev({ type: 'order_placed', customer: { userId: 'u-order' }, orderId: id, currency: 'EUR', totalMinor: 5000, lines, occurredAt: at(1) });
    const paid = (id: string) => ev({ type: 'order_status', customer: { userId: 'u-order' }, orderId: id, status: 'paid', occurredAt: at(2),
      order: { orderId: id, currency: 'EUR', totalMinor: 5000, lines, placedAt: at(1) } });
    const refund = (id: string, refundId: string, amount: number) =>
      ev({ type: 'order_refunded', customer: { userId: 'u-order' }, orderId: id, refundId, amountMinor: amount, currency: 'EUR', occurredAt: at(5) });
    const sequences = [
      (id: string) => [placed(id), paid(id), refund(id, 'r1', 1000), refund(id, 'r2', 500)],
      (id: string) => [refund(id, 'r2', 500), paid(id), refund(id, 'r1', 1000), placed(id)],
      (id: string) => [paid(id), placed(id), refund(id, 'r1', 1000), refund(id, 'r1', 1000), paid(id), refund(id, 'r2', 500)],
    ];
    const states = [];
    for (const [i, seq] of sequences.entries()) {
      const id = `o-seq-${i}`;
      for (const e of seq(id)) await applyEvent(deps, shopId, 'api', e);
      const o = await orderRow('api', id);
      states.push({ status: o?.status, refunded: o?.refundedMinor, paidAt: o?.paidAt?.toISOString(), placedAt: o?.placedAt.toISOString(), total: o?.totalMinor });
    }
    expect(states[0]).toEqual({ status: 'partially_refunded', refunded: 1500, paidAt: at(2), placedAt: at(1), total: 5000 });
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
    await applyEvent(deps, shopId, 'api', refund('o-seq-0', 'r3', 3500));
    expect((await orderRow('api', 'o-seq-0'))?.status).toBe('refunded');
    // A late "paid" never moves a refunded order back.
    await applyEvent(deps, shopId, 'api', ev({ ...paid('o-seq-0'), eventId: 'late-paid' }));
    expect((await orderRow('api', 'o-seq-0'))?.status).toBe('refunded');
  });

  it('refuses a refund in a currency the order was not paid in', async () => {
    await applyEvent(deps, shopId, 'api', ev({ type: 'order_placed', customer: { userId: 'u-cur' }, orderId: 'o-cur', currency: 'EUR', totalMinor: 100, lines: [] }));
    await expect(applyEvent(deps, shopId, 'api', ev({ type: 'order_refunded', customer: { userId: 'u-cur' }, orderId: 'o-cur', refundId: 'r', amountMinor: 50, currency: 'USD' })))
      .rejects.toThrow(/refund r is in USD but order o-cur is in EUR/);
  });

  it('merges an anonymous visitor who identifies into the customer, with their earlier events and cart', async () => {
    const known = await applyEvent(deps, shopId, 'api', ev({ type: 'customer_updated', customer: { userId: 'u-merge', email: 'Merge@Example.com' } }));
    const view = await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer: { anonymousId: 'anon-merge' }, productId: 'p2' }));
    await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer: { anonymousId: 'anon-merge' }, cartId: 'c-merge', currency: 'EUR', item: { productId: 'p2', quantity: 1, priceMinor: 900 } }));
    if (known.duplicate || view.duplicate) throw new Error('unexpected duplicate');
    expect(view.customerId).not.toBe(known.customerId);
    const identify = await applyEvent(deps, shopId, 'api', ev({ type: 'customer_updated', customer: { userId: 'u-merge', anonymousId: 'anon-merge' } }));
    expect(identify).toMatchObject({ duplicate: false, customerId: known.customerId, identified: false });
    const moved = await database.db.select().from(events).where(eq(events.customerId, known.customerId));
    expect(moved.map((e) => e.type)).toEqual(expect.arrayContaining(['product_viewed', 'cart_item_added']));
    const [cart] = await database.db.select().from(carts).where(eq(carts.id, 'c-merge'));
    expect(cart?.customerId).toBe(known.customerId);
    const [anon] = await database.db.select().from(customers).where(eq(customers.id, view.customerId));
    expect(anon?.mergedInto).toBe(known.customerId);
    // The e-mail is stored encrypted only, and finds the same person from another source.
    const [contact] = await database.db.select().from(contacts).where(eq(contacts.customerId, known.customerId));
    expect(contact?.emailEnc).not.toContain('example.com');
    expect(deps.cipher.decrypt(contact!.emailEnc!)).toBe('merge@example.com');
    const other = await applyEvent(deps, shopId, 'shopify', ev({ type: 'customer_updated', customer: { userId: '9001', email: 'merge@example.com' } }));
    expect(other).toMatchObject({ customerId: known.customerId });
  });

  it('reports a dwell crossing three minutes once, and whether the product went into a cart', async () => {
    const view = ev({ type: 'product_viewed', customer: { anonymousId: 'a-dwell' }, productId: 'p3', occurredAt: at(10) });
    await applyEvent(deps, shopId, 'api', view);
    const first = await applyEvent(deps, shopId, 'api', ev({ type: 'product_dwell', customer: { anonymousId: 'a-dwell' }, viewEventId: view.eventId, dwellMs: 200_000, occurredAt: at(14) }));
    expect(first).toMatchObject({ dwell: { productId: 'p3', viewEventId: view.eventId, dwellMs: 200_000, cartedSince: false, viewedAt: at(10) } });
    const again = await applyEvent(deps, shopId, 'api', ev({ type: 'product_dwell', customer: { anonymousId: 'a-dwell' }, viewEventId: view.eventId, dwellMs: 260_000, occurredAt: at(15) }));
    expect(again).not.toHaveProperty('dwell');
    const [stored] = await database.db.select().from(events).where(eq(events.sourceEventId, view.eventId));
    expect(stored?.dwellMs).toBe(260_000);

    const carted = ev({ type: 'product_viewed', customer: { anonymousId: 'a-dwell' }, productId: 'p4', occurredAt: at(20) });
    await applyEvent(deps, shopId, 'api', carted);
    await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer: { anonymousId: 'a-dwell' }, cartId: 'c-dwell', currency: 'EUR', item: { productId: 'p4', quantity: 1, priceMinor: 100 }, occurredAt: at(21) }));
    const late = await applyEvent(deps, shopId, 'api', ev({ type: 'product_dwell', customer: { anonymousId: 'a-dwell' }, viewEventId: carted.eventId, dwellMs: 240_000, occurredAt: at(24) }));
    expect(late).toMatchObject({ dwell: { productId: 'p4', cartedSince: true } });
  });

  // With `shop_id = ...` beside the customer, a planner without statistics (a new database, or autovacuum
  // off) ANDed in the shop's whole range of events_source_idx for every long view.
  it.runIf(process.env.DATABASE_URL)('checks whether a long view\'s product was carted by the customer\'s rows alone, however many events the shop has', async () => {
    await database.rows(sql`insert into events (shop_id, customer_id, type, source, source_event_id, occurred_at, product_id, props)
      select ${shopId}, 'cus-bulk-' || (g % 500), 'product_viewed', 'bulk', 'bulk-' || g, ${at(30)}::timestamptz, 'p' || (g % 800), '{}'::jsonb from generate_series(1, 20000) g`);
    const [customer] = await database.db.select().from(customers).where(eq(customers.shopId, shopId)).limit(1);
    const views = [{ customerId: customer!.id, productId: 'p4', since: at(20) }, { customerId: 'cus-bulk-7', productId: 'p7', since: at(0) }];
    const [plan] = await database.rows<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(sql`explain (analyze, buffers, format json) ${cartedSinceQuery(views)}`);
    const blocks = (node: Record<string, unknown>): number => Number(node['Shared Hit Blocks'] ?? 0) + Number(node['Shared Read Blocks'] ?? 0);
    // The customers' index entries and rows (cus-bulk-7 has 40 events): 46 pages. With `shop_id = ...` in
    // the look-up, the shop's range of events_source_idx was ANDed in: 259 pages at this size.
    expect(blocks(plan!['QUERY PLAN'][0].Plan)).toBeLessThan(120);
    await database.rows(sql`delete from events where source = 'bulk'`);
  });

  it('adds and removes cart items on the stored cart', async () => {
    const item = (productId: string, quantity: number) => ({ productId, quantity, priceMinor: 1000 });
    const customer = { anonymousId: 'a-cart' };
    await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer, cartId: 'c1', currency: 'EUR', item: item('p1', 2) }));
    await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer, cartId: 'c1', currency: 'EUR', item: item('p2', 1) }));
    const removed = await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_removed', customer, cartId: 'c1', currency: 'EUR', item: item('p1', 2) }));
    expect(removed).toMatchObject({ cart: { cartId: 'c1', productIds: ['p2'], valueMinor: 1000, emptied: false } });
    await expect(applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer, cartId: 'c1', currency: 'USD', item: item('p3', 1) })))
      .rejects.toThrow(/cart c1 is in EUR/);
  });

  it('records consent changes with source and time, and reports a withdrawal', async () => {
    const customer = { userId: 'u-consent', email: 'c@example.com' };
    const grant = await applyEvent(deps, shopId, 'shopify', ev({ type: 'customer_updated', customer, consents: [{ channel: 'email', granted: true, at: at(1) }, { channel: 'sms', granted: false }] }));
    expect(grant).toMatchObject({ identified: true, customerCreated: true });
    await applyEvent(deps, shopId, 'shopify', ev({ type: 'customer_updated', customer, consents: [{ channel: 'email', granted: true, at: at(2) }] }));
    const withdraw = await applyEvent(deps, shopId, 'shopify', ev({ type: 'customer_updated', customer, consents: [{ channel: 'email', granted: false, at: at(3) }] }));
    expect(withdraw).toMatchObject({ consentsWithdrawn: ['email'], identified: false });
    if (withdraw.duplicate) throw new Error('duplicate');
    const rows = await database.db.select().from(consents).where(eq(consents.customerId, withdraw.customerId)).orderBy(consents.id);
    expect(rows.map((r) => [r.channel, r.granted, r.source, r.recordedAt.toISOString()])).toEqual([
      ['email', true, 'shopify', at(1)], ['sms', false, 'shopify', at(0)], ['email', false, 'shopify', at(3)],
    ]);
  });

  it('keeps product stock as the sum of its items, ignoring stale updates, with the threshold', async () => {
    const product = { productId: 'p-stock', title: 'Lamp', priceMinor: 4900, currency: 'EUR', items: [{ itemId: 'i1', available: 4 }, { itemId: 'i2', available: 3 }] };
    const first = await applyEvent(deps, shopId, 'shopify', ev({ type: 'product_updated', product, occurredAt: at(1) }));
    expect(first).toMatchObject({ stock: [{ productId: 'p-stock', before: null, after: 7, threshold: 3 }] });
    const low = await applyEvent(deps, shopId, 'shopify', ev({ type: 'inventory_updated', itemId: 'i1', available: 0, occurredAt: at(3) }));
    expect(low).toMatchObject({ stock: [{ before: 7, after: 3 }] });
    const stale = await applyEvent(deps, shopId, 'shopify', ev({ type: 'inventory_updated', itemId: 'i1', available: 50, occurredAt: at(2) }));
    expect(stale).toMatchObject({ stock: [{ before: 3, after: 3 }] });
    const [row] = await database.db.select().from(products).where(and(eq(products.shopId, shopId), eq(products.id, 'p-stock')));
    expect(row).toMatchObject({ stock: 3, title: 'Lamp', priceMinor: 4900 });
  });
});

describe('applyEvents', () => {
  it('stores a batch of views set-wise with the same dedupe and visitor rules, and isolates a bad event', async () => {
    await applyEvent(deps, shopId, 'segment', ev({ type: 'order_placed', customer: { userId: 'u-bulk' }, orderId: 'o-bulk', currency: 'EUR', totalMinor: 100, lines: [] }));
    const views = Array.from({ length: 40 }, (_, i) => ev({ type: 'product_viewed', customer: { anonymousId: `bulk-${i % 7}` }, productId: `p${i % 5}`, occurredAt: at(i % 60) }));
    const batch = [...views.slice(0, 20), views[3]!, ev({ type: 'order_refunded', customer: { userId: 'u-bulk' }, orderId: 'o-bulk', refundId: 'bad', amountMinor: 5, currency: 'JPY' }), ...views.slice(20)];
    const results = await applyEvents(deps, shopId, 'segment', batch);
    expect(results.filter((r) => r.ok && !r.effect.duplicate)).toHaveLength(40);
    expect(results[20]).toEqual({ ok: true, effect: { duplicate: true } });
    expect(results[21]).toMatchObject({ ok: false, error: expect.stringMatching(/in JPY but order o-bulk is in EUR/) });
    const created = results.filter((r) => r.ok && !r.effect.duplicate && r.effect.customerId !== null && 'customerCreated' in r.effect && r.effect.customerCreated);
    expect(created).toHaveLength(7);
    const again = await applyEvents(deps, shopId, 'segment', views);
    expect(again.every((r) => r.ok && r.effect.duplicate)).toBe(true);
    const stored = await database.db.select().from(events).where(and(eq(events.shopId, shopId), eq(events.source, 'segment'), eq(events.type, 'product_viewed')));
    expect(stored).toHaveLength(40);
    expect(new Set(stored.map((s) => s.customerId)).size).toBe(7);
  });
});
