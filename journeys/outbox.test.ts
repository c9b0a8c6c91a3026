import { Client, Connection, defaultPayloadConverter } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEvent, type CanonicalEventInput } from '../ingest/canonical.ts';
import { ingestEvents, type PipelineDeps } from '../ingest/pipeline.ts';
import { seedShop } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { journeyWorkflowId } from '../workflows/ids.ts';
import type { JourneyClientDeps } from './deps.ts';
import { backoffMs, dispatchDue, startOutboxDispatcher } from './outbox-dispatcher.ts';

// The trigger outbox against a real Temporal server (time-skipping test server) and a real database:
// triggers are queued with their events, fired by the dispatcher, kept through an outage.

let h: JourneyHarness;
let pipeline: PipelineDeps;
let shopId: string;
let n = 0;
const at = () => new Date(Date.UTC(2026, 4, 1, 10, n)).toISOString();
const ev = (e: Record<string, unknown>) => canonicalEvent.parse({ eventId: `ob${++n}`, occurredAt: at(), ...e } as CanonicalEventInput);
const ingest = (...events: Record<string, unknown>[]) => ingestEvents(pipeline, shopId, 'api', events.map(ev));
const outbox = (kind?: string) => h.database.rows<{ id: number; kind: string; status: string; attempts: number; last_error: string | null; workflow_ids: string[] | null; payload: Record<string, unknown> }>(
  sql`select id, kind, status, attempts, last_error, workflow_ids, payload from trigger_outbox where shop_id = ${shopId} ${kind ? sql`and kind = ${kind}` : sql``} order by id`);
/** Runs every due trigger now, whatever its backoff (a test cannot wait minutes). */
const makeDue = () => h.database.rows(sql`update trigger_outbox set available_at = now() where status = 'pending'`);
const history = async (workflowId: string) => (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
const signalsOf = async (workflowId: string) => (await history(workflowId)).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));

beforeAll(async () => {
  h = await createJourneyHarness();
  shopId = await seedShop(h.database, 'shop-outbox');
  pipeline = { database: h.database, cipher: h.deps.cipher, startJourneys: true };
});
afterAll(async () => h?.close());

const cart = (customer: Record<string, unknown>, cartId: string, productId: string) =>
  ({ type: 'cart_updated', customer, cartId, currency: 'EUR', items: [{ productId, quantity: 1, priceMinor: 1800 }] });
/** A customer who identified earlier, with the triggers of identifying out of the way. */
const known = async (userId: string) => {
  await ingest({ type: 'product_viewed', customer: { userId }, productId: 'p-mug' });
  await h.database.rows(sql`delete from trigger_outbox where shop_id = ${shopId} and kind in ('new-customer', 'reachable') and status = 'pending'`);
  return { userId };
};

describe('trigger outbox', () => {
  it('queues a stored event\'s triggers in its transaction and starts and signals journeys from them', async () => {
    const customer = { userId: 'u-router', email: 'router@example.com' };
    const stored = await ingest(cart(customer, 'cart-r1', 'p-mug'));
    expect(stored.triggersQueued).toBe(2); // onboarding (identified now) and the cart
    expect((await outbox()).map((r) => [r.kind, r.status])).toEqual([['new-customer', 'pending'], ['cart-changed', 'pending']]);
    const customerId = (stored.results[0] as { effect: { customerId: string } }).effect.customerId;

    // One customer's triggers fire in order: the second waits for the first.
    expect(await dispatchDue(h.client)).toMatchObject({ claimed: 1, fired: 1 });
    expect(await dispatchDue(h.client)).toMatchObject({ claimed: 1, fired: 1 });
    const cartJourney = journeyWorkflowId('cart-abandon', shopId, customerId, 'cart-r1');
    expect((await outbox('cart-changed'))[0]).toMatchObject({ status: 'fired', attempts: 1, workflow_ids: [cartJourney] });
    expect((await h.env.client.workflow.getHandle(cartJourney).describe()).status.name).toBe('RUNNING');
    expect(await signalsOf(cartJourney)).toEqual(['cartUpdated']);

    // The order reaches the running cart journey as its conversion signal.
    await ingest({ type: 'order_placed', customer, orderId: 'o-r1', cartId: 'cart-r1', currency: 'EUR', totalMinor: 1800, lines: [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }] });
    expect(await dispatchDue(h.client)).toMatchObject({ claimed: 1, fired: 1 });
    expect(await signalsOf(cartJourney)).toEqual(['cartUpdated', 'orderPlaced']);
    const [order] = await outbox('order-placed');
    expect(order!.workflow_ids).toContain(cartJourney);
    expect(order!.workflow_ids).toContain(journeyWorkflowId('cross-sell', shopId, customerId, `ord_${shopId}_api_o-r1`));
  });

  it("starts an anonymous visitor's cart journey only once they identify, with the cart as it is when fired; nothing else of theirs", async () => {
    const drain = async () => {
      await makeDue();
      while ((await dispatchDue(h.client)).claimed > 0) await makeDue();
    };
    const cartJourney = (customerId: string, cartId: string) => journeyWorkflowId('cart-abandon', shopId, customerId, cartId);
    const running = async (workflowId: string) => (await h.env.client.workflow.getHandle(workflowId).describe()).status.name;
    const started = async (workflowId: string) => h.env.client.workflow.getHandle(workflowId).describe().then(() => true, () => false);
    // Anonymous: the cart is stored, no trigger is queued.
    const first = await ingest(cart({ anonymousId: 'a-later' }, 'cart-later', 'p-mug'),
      { type: 'cart_item_added', customer: { anonymousId: 'a-later' }, cartId: 'cart-later', currency: 'EUR', item: { productId: 'p-kettle', quantity: 1, priceMinor: 5900 } });
    expect(first.triggersQueued).toBe(0);
    // Nor do their long views and orders: no journey of theirs runs, none would reach them.
    const browsing = await ingest({ type: 'product_viewed', customer: { anonymousId: 'a-browse' }, productId: 'p-kettle', dwellMs: 240_000 },
      { type: 'order_placed', customer: { anonymousId: 'a-browse' }, orderId: 'o-anon', currency: 'EUR', totalMinor: 1800, lines: [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }] });
    expect(browsing.failed).toEqual([]);
    expect(browsing.triggersQueued).toBe(0);
    const visitor = (first.results[0] as { effect: { customerId: string; anonymous?: boolean } }).effect;
    expect(visitor.anonymous).toBe(true);
    // They identify (a request of its own): onboarding, and the cart they left starts its journey.
    const identified = await ingest({ type: 'customer_updated', customer: { anonymousId: 'a-later', userId: 'u-later', email: 'later@example.com' } });
    expect(identified.triggersQueued).toBe(2);
    expect((await outbox()).filter((r) => r.payload.customerId === visitor.customerId).map((r) => r.kind)).toEqual(['new-customer', 'reachable']);
    await drain();
    const journey = cartJourney(visitor.customerId, 'cart-later');
    expect((await outbox('reachable')).find((r) => r.payload.customerId === visitor.customerId)).toMatchObject({ status: 'fired', workflow_ids: [journey] });
    expect(await running(journey)).toBe('RUNNING');
    const [signal] = (await history(journey)).flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes] : []));
    expect(defaultPayloadConverter.fromPayload(signal!.input!.payloads![0]!)).toMatchObject({ cartId: 'cart-later', productIds: ['p-mug', 'p-kettle'], valueMinor: 7700, emptied: false });

    // In one request: a cart while anonymous, then the identify that folds the visitor into a known customer.
    const returning = await known('u-returning');
    const [customerId] = (await ingest({ type: 'product_viewed', customer: returning, productId: 'p-mug' })).results
      .map((r) => (r as { effect: { customerId: string } }).effect.customerId);
    const together = await ingest(cart({ anonymousId: 'a-device' }, 'cart-device', 'p-gone'),
      { type: 'customer_updated', customer: { anonymousId: 'a-device', userId: 'u-returning' } });
    expect(together.triggersQueued).toBe(1);
    await drain();
    expect(await running(cartJourney(customerId!, 'cart-device'))).toBe('RUNNING');

    // Ordered before the trigger fired: nothing to start.
    await ingest(cart({ anonymousId: 'a-quick' }, 'cart-quick', 'p-mug'));
    const quick = await ingest({ type: 'customer_updated', customer: { anonymousId: 'a-quick', userId: 'u-quick' } },
      { type: 'order_placed', customer: { userId: 'u-quick' }, orderId: 'o-quick', cartId: 'cart-quick', currency: 'EUR', totalMinor: 1800, lines: [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }] });
    const quickId = (quick.results[0] as { effect: { customerId: string } }).effect.customerId;
    await drain();
    expect(await started(cartJourney(quickId, 'cart-quick'))).toBe(false);

    // Identifying by ordering (without naming the cart): the order, no reminder for the cart.
    await ingest(cart({ anonymousId: 'a-buyer' }, 'cart-buyer', 'p-mug'));
    const bought = await ingest({ type: 'order_placed', customer: { anonymousId: 'a-buyer', email: 'buyer@example.com' }, orderId: 'o-buyer', currency: 'EUR', totalMinor: 1800,
      lines: [{ productId: 'p-kettle', quantity: 1, priceMinor: 1800 }] });
    expect(bought.triggersQueued).toBe(2); // onboarding, and the order (conversion signals and a cross-sell)
    expect((await outbox()).filter((r) => r.payload.customerId === (bought.results[0] as { effect: { customerId: string } }).effect.customerId).map((r) => r.kind))
      .toEqual(['new-customer', 'order-placed']);
    await drain();

    // A cart left longer ago than the journey would still act on starts nothing.
    const stale = canonicalEvent.parse({ ...cart({ anonymousId: 'a-stale' }, 'cart-stale', 'p-mug'), eventId: 'ob-stale', occurredAt: '2026-04-20T10:00:00.000Z' } as CanonicalEventInput);
    await ingestEvents(pipeline, shopId, 'api', [stale]);
    const late = await ingest({ type: 'customer_updated', customer: { anonymousId: 'a-stale', userId: 'u-stale' } });
    const staleId = (late.results[0] as { effect: { customerId: string } }).effect.customerId;
    await drain();
    expect(await started(cartJourney(staleId, 'cart-stale'))).toBe(false);
    expect((await outbox('reachable')).find((r) => r.payload.customerId === staleId)).toMatchObject({ status: 'fired', workflow_ids: [] });
  });

  it('keeps a trigger through a Temporal outage, with attempts and the last error, and fires it when Temporal is back', async () => {
    const customer = await known('u-outage');
    const [customerId] = (await ingest(cart(customer, 'cart-out', 'p-mug'))).results.map((r) => (r as { effect: { customerId: string } }).effect.customerId);
    // Temporal is away: a client pointed at a port nobody listens on.
    const away = Connection.lazy({ address: '127.0.0.1:1' });
    const down: JourneyClientDeps = { ...h.client, temporal: new Client({ connection: away }) };
    const failed = await dispatchDue(down, { fireTimeoutMs: 2_000 });
    expect(failed).toMatchObject({ claimed: 1, fired: 0, failed: 1, dead: 0 });
    const [row] = await outbox('cart-changed').then((rows) => rows.filter((r) => r.payload.customerId === customerId));
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row!.last_error).toMatch(/\w/);
    // Backing off: not due again at once.
    expect(await dispatchDue(h.client)).toMatchObject({ claimed: 0 });
    await makeDue();
    expect(await dispatchDue(down, { fireTimeoutMs: 2_000 })).toMatchObject({ failed: 1 });
    await away.close().catch(() => {});

    // Back: the dispatcher loop fires it.
    await makeDue();
    const dispatcher = startOutboxDispatcher(h.client, { pollMs: 50 });
    const workflowId = journeyWorkflowId('cart-abandon', shopId, customerId!, 'cart-out');
    try {
      await expect.poll(async () => (await outbox('cart-changed')).find((r) => r.payload.customerId === customerId)?.status, { timeout: 20_000 }).toBe('fired');
    } finally {
      await dispatcher.stop();
    }
    const fired = (await outbox('cart-changed')).find((r) => r.payload.customerId === customerId)!;
    expect(fired).toMatchObject({ attempts: 3, last_error: null, workflow_ids: [workflowId] });
    expect((await h.env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
  });

  it('coalesces a cart\'s changes not yet fired into the latest one, kept after the customer\'s other triggers', async () => {
    const customer = await known('u-coalesce');
    await ingest(cart(customer, 'cart-c', 'p-mug'));
    await ingest({ type: 'cart_item_added', customer, cartId: 'cart-c', currency: 'EUR', item: { productId: 'p-kettle', quantity: 1, priceMinor: 5900 } },
      { type: 'cart_item_added', customer, cartId: 'cart-c', currency: 'EUR', item: { productId: 'p-gone', quantity: 1, priceMinor: 3900 } });
    const rows = (await outbox('cart-changed')).filter((r) => (r.payload.cart as { cartId: string }).cartId === 'cart-c');
    expect(rows.map((r) => r.status)).toEqual(['coalesced', 'pending']);
    expect((rows[1]!.payload.cart as { productIds: string[] }).productIds).toEqual(['p-mug', 'p-kettle', 'p-gone']);
    const round = await dispatchDue(h.client);
    expect(round.fired).toBeGreaterThanOrEqual(1);
    const customerId = rows[1]!.payload.customerId as string;
    const signals = await signalsOf(journeyWorkflowId('cart-abandon', shopId, customerId, 'cart-c'));
    expect(signals).toEqual(['cartUpdated']);
  });

  it('lets two dispatchers share the outbox without firing a trigger twice', async () => {
    for (let i = 0; i < 12; i++) await ingest(cart(await known(`u-share-${i}`), `cart-share-${i}`, 'p-mug'));
    const rounds = await Promise.all([dispatchDue(h.client, { batchSize: 5 }), dispatchDue(h.client, { batchSize: 5 }), dispatchDue(h.client, { batchSize: 5 })]);
    const claimed = rounds.reduce((sum, r) => sum + r.claimed, 0);
    expect(claimed).toBe(12);
    const shared = (await outbox('cart-changed')).filter((r) => String((r.payload.cart as { cartId: string }).cartId).startsWith('cart-share-'));
    expect(shared.every((r) => r.status === 'fired' && r.attempts === 1)).toBe(true);
  });

  it('backs off exponentially with jitter, up to the cap', () => {
    const o = { backoffBaseMs: 1_000, backoffMaxMs: 60_000 };
    expect(backoffMs(1, o, () => 0.5)).toBe(1_000);
    expect(backoffMs(4, o, () => 0.5)).toBe(8_000);
    expect(backoffMs(30, o, () => 0.5)).toBe(60_000);
    expect(backoffMs(3, o, () => 0)).toBe(3_200);
    expect(backoffMs(3, o, () => 1)).toBe(4_800);
  });
});
