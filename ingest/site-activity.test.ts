import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { customerModelStates } from '../db/schema-models.ts';
import { dispatches, orders, shops } from '../db/schema.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { canonicalEvent, type CanonicalEventInput, type CustomerEvent } from './canonical.ts';
import { applyEvent, applyEvents, canonicalOrderId, type EntryDeps, type EntryEffect } from './entry.ts';

// What the entry path feeds the decision models and attribution: the customer's site visits (hour of
// week in their zone) and the credit for every order that enters, journey or not.

let database: Database;
let deps: EntryDeps;
const shopId = 'shop-visits';
let n = 0;
// 2026-05-01 is a Friday (weekday 4 with Monday 0): 10:00 UTC is hour 4 * 24 + 12 = 108 in Berlin (CEST),
// 102 in New York (EDT) and 115 in Tokyo.
const at = (minute: number, hour = 10) => new Date(Date.UTC(2026, 4, 1, hour, minute)).toISOString();
const ev = (e: Record<string, unknown>) => canonicalEvent.parse({ eventId: `v${++n}`, occurredAt: at(0), ...e } as CanonicalEventInput) as CustomerEvent;
const BERLIN = { timezone: 'Europe/Berlin' };

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { database, cipher: new PiiCipher(TEST_PII_KEY) };
  await database.db.insert(shops).values({ id: shopId, name: 'Visits', currency: 'EUR', timezone: 'Asia/Tokyo' });
});
afterAll(async () => database?.close());

async function activity(customerId: string): Promise<Record<string, number> | undefined> {
  const [row] = await database.db.select({ state: customerModelStates.state }).from(customerModelStates).where(eq(customerModelStates.customerId, customerId));
  return row?.state.siteActivity?.hours;
}
/** Weights to `digits` decimals: older visits lose a little weight by the next one (90-day half-life). */
const rounded = (hours: Record<string, number> | undefined, digits = 2) => Object.fromEntries(Object.entries(hours ?? {}).map(([h, w]) => [h, Number(w.toFixed(digits))]));

describe('site activity from ingest', () => {
  it('records views, cart changes and orders at the customer\'s local hour of week, and nothing for shop-side events', async () => {
    const customer = { userId: 'u-visit', ...BERLIN };
    const view = await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer, productId: 'p1' }));
    if (view.duplicate) throw new Error('stored before');
    const id = view.customerId;
    expect(rounded(await activity(id))).toEqual({ 108: 1 });
    await applyEvent(deps, shopId, 'api', ev({ type: 'cart_item_added', customer, cartId: 'c-visit', currency: 'EUR', item: { productId: 'p1', quantity: 1, priceMinor: 100 } }));
    await applyEvent(deps, shopId, 'api', ev({ type: 'order_placed', customer, orderId: 'o-visit', currency: 'EUR', totalMinor: 100, lines: [], occurredAt: at(30, 13) }));
    expect(rounded(await activity(id))).toEqual({ 108: 2, 111: 1 });
    // The shop's side, a repeat report of a counted view, a refund: the customer was not on the site.
    await applyEvent(deps, shopId, 'api', ev({ type: 'order_status', customer, orderId: 'o-visit', status: 'paid', occurredAt: at(0, 20) }));
    await applyEvent(deps, shopId, 'api', ev({ type: 'customer_updated', customer, consents: [{ channel: 'email', granted: true }], occurredAt: at(0, 21) }));
    await applyEvent(deps, shopId, 'api', ev({ type: 'product_dwell', customer, viewEventId: view.event.eventId, dwellMs: 300_000, occurredAt: at(0, 22) }));
    expect(rounded(await activity(id))).toEqual({ 108: 2, 111: 1 });
  });

  it('uses the shop\'s zone for a customer without one, and the customer\'s zone once known', async () => {
    const first = await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer: { anonymousId: 'a-zone' }, productId: 'p1' }));
    if (first.duplicate) throw new Error('stored before');
    expect(rounded(await activity(first.customerId))).toEqual({ 115: 1 });
    await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer: { anonymousId: 'a-zone', timezone: 'America/New_York' }, productId: 'p2' }));
    expect(rounded(await activity(first.customerId))).toEqual({ 102: 1, 115: 1 });
  });

  it('folds an anonymous visitor\'s activity into the customer they turn out to be', async () => {
    const known = await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer: { userId: 'u-merge', ...BERLIN }, productId: 'p1' }));
    const visitor = await applyEvent(deps, shopId, 'api', ev({ type: 'product_viewed', customer: { anonymousId: 'a-merge', ...BERLIN }, productId: 'p1', occurredAt: at(0, 15) }));
    if (known.duplicate || visitor.duplicate) throw new Error('stored before');
    expect(visitor.customerId).not.toBe(known.customerId);
    const merged = await applyEvent(deps, shopId, 'api', ev({ type: 'customer_updated', customer: { userId: 'u-merge', anonymousId: 'a-merge' }, occurredAt: at(0, 16) }));
    expect(merged.duplicate === false && merged.customerId).toBe(known.customerId);
    expect(rounded(await activity(known.customerId))).toEqual({ 108: 1, 113: 1 });
    expect(await activity(visitor.customerId)).toBeUndefined();
  });

  it('records the same activity set-wise as one event at a time, a request\'s identify merging its earlier views', async () => {
    const request = (tag: string) => [
      ev({ eventId: `${tag}-1`, type: 'product_viewed', customer: { anonymousId: `${tag}-anon`, ...BERLIN }, productId: 'p1', occurredAt: at(0, 9) }),
      ev({ eventId: `${tag}-2`, type: 'cart_item_added', customer: { anonymousId: `${tag}-anon`, ...BERLIN }, cartId: `${tag}-cart`, currency: 'EUR',
        item: { productId: 'p1', quantity: 1, priceMinor: 100 }, occurredAt: at(5, 9) }),
      ev({ eventId: `${tag}-3`, type: 'product_viewed', customer: { userId: `${tag}-user`, timezone: 'America/New_York' }, productId: 'p2', occurredAt: at(0, 11) }),
      ev({ eventId: `${tag}-4`, type: 'customer_updated', customer: { userId: `${tag}-user`, anonymousId: `${tag}-anon` }, occurredAt: at(0, 12) }),
      ev({ eventId: `${tag}-5`, type: 'product_viewed', customer: { anonymousId: `${tag}-anon` }, productId: 'p3', occurredAt: at(0, 14) }),
    ];
    const oneByOne: EntryEffect[] = [];
    for (const e of request('one')) oneByOne.push(await applyEvent(deps, shopId, 'api', e));
    const setWise = await applyEvents(deps, shopId, 'api', request('set'));
    const idOf = (e: (typeof oneByOne)[number]) => (e.duplicate ? '' : e.customerId);
    const setIds = setWise.map((r) => (r.ok && !r.effect.duplicate ? r.effect.customerId : ''));
    // Berlin 09:00 and 09:05 UTC → 11:00 local; New York 11:00 and 14:00 UTC → 07:00 and 10:00 local.
    expect(rounded(await activity(idOf(oneByOne[4]!)))).toEqual({ 107: 2, 103: 1, 106: 1 });
    expect(rounded(await activity(setIds[4]!), 9)).toEqual(rounded(await activity(idOf(oneByOne[4]!)), 9));
  });
});

describe('attribution of orders entering through ingest', () => {
  const HOUR = 3_600_000;
  async function sent(customerId: string, id: string, ago: number, placedAt: string) {
    await database.db.insert(dispatches).values({ id, idempotencyKey: id, shopId, customerId, workflowId: `wf-${id}`, step: 1, channel: 'email',
      contentType: 'cart_reminder', status: 'sent', provider: 'outbox', sentAt: new Date(Date.parse(placedAt) - ago), discountTier: 0 });
  }
  const credited = async (source: string, orderId: string) =>
    (await database.db.select({ d: orders.attributedDispatchId }).from(orders).where(eq(orders.id, canonicalOrderId(shopId, source, orderId))))[0]?.d;

  it('credits an order with the message that earned it at once, one event at a time and set-wise, and leaves an order nobody earned organic', async () => {
    const placedAt = at(0, 18);
    for (const [mode, tag] of [['single', 'a1'], ['batch', 'a2']] as const) {
      const view = await applyEvent(deps, shopId, 'shopify', ev({ type: 'product_viewed', customer: { userId: `u-${tag}` }, productId: 'p1', occurredAt: at(0, 8) }));
      const other = await applyEvent(deps, shopId, 'shopify', ev({ type: 'product_viewed', customer: { userId: `u-${tag}-organic` }, productId: 'p1', occurredAt: at(0, 8) }));
      if (view.duplicate || other.duplicate) throw new Error('stored before');
      await sent(view.customerId, `d-${tag}-old`, 7 * 24 * HOUR, placedAt);
      await sent(view.customerId, `d-${tag}`, 2 * HOUR, placedAt);
      // Sent after the order: never credited.
      await sent(other.customerId, `d-${tag}-late`, -HOUR, placedAt);
      const order = (user: string, id: string) => ev({ type: 'order_placed', customer: { userId: user }, orderId: id, currency: 'EUR', totalMinor: 900, lines: [], occurredAt: placedAt });
      const events = [order(`u-${tag}`, `o-${tag}`), order(`u-${tag}-organic`, `o-${tag}-organic`)];
      if (mode === 'single') for (const e of events) await applyEvent(deps, shopId, 'shopify', e);
      else {
        const results = await applyEvents(deps, shopId, 'shopify', [ev({ type: 'product_viewed', customer: { userId: `u-${tag}` }, productId: 'p2', occurredAt: placedAt }), ...events]);
        expect(results.every((r) => r.ok && !r.effect.duplicate && (r.effect.event.type !== 'order_placed' || ('orderCreated' in r.effect && r.effect.orderCreated)))).toBe(true);
      }
      expect(await credited('shopify', `o-${tag}`)).toBe(`d-${tag}`);
      expect(await database.rows(sql`select 1 from orders where id = ${canonicalOrderId(shopId, 'shopify', `o-${tag}-organic`)}`)).toHaveLength(1);
      expect(await credited('shopify', `o-${tag}-organic`)).toBeNull();
    }
  });
});
