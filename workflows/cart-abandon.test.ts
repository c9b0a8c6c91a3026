import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeys, orders, outcomes } from '../db/schema.ts';
import type { CanonicalEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { journeyStatusQuery } from './signals.ts';
import type { JourneyResult } from './types.ts';

describe('cart-abandon journey (time-skipping server, real activities)', () => {
  let h: JourneyHarness;
  let shopId: string;
  beforeAll(async () => {
    h = await createJourneyHarness();
    shopId = await seedShop(h.database);
  });
  afterAll(async () => h?.close());

  let n = 0;
  async function send(event: Omit<CanonicalEvent, 'eventId' | 'occurredAt'> & { occurredAt?: string }) {
    n += 1;
    const full = { eventId: `e${n}`, occurredAt: new Date().toISOString(), ...event } as CanonicalEvent;
    const effect = await applyEvent(h.deps, shopId, 'api', full);
    return routeEvent(h.client, shopId, 'api', effect);
  }
  async function customerWithCart(tag: string) {
    const userId = `u-${tag}`;
    const customerId = await seedCustomer(h.deps, shopId, { userId });
    const cartId = `cart-${tag}`;
    const [workflowId] = await send({
      type: 'cart_updated', customer: { userId }, cartId, currency: 'EUR',
      items: [{ productId: 'p-mug', quantity: 2, priceMinor: 1800 }],
    } as never);
    if (!workflowId) throw new Error('no journey started');
    return { userId, customerId, cartId, workflowId };
  }
  const order = (userId: string, orderId: string) =>
    send({ type: 'order_placed', customer: { userId }, orderId, currency: 'EUR', totalMinor: 3600, discountMinor: 0,
      lines: [{ productId: 'p-mug', quantity: 2, priceMinor: 1800 }] } as never);
  const outboxFiles = () => (existsSync(join(h.outboxDir, shopId)) ? readdirSync(join(h.outboxDir, shopId)) : []);

  it('sends nothing when the customer orders before the send', async () => {
    const before = outboxFiles().length;
    const { userId, workflowId, customerId } = await customerWithCart('early');
    const result = await h.withWorker(async () => {
      const handle = h.env.client.workflow.getHandle(workflowId);
      expect((await handle.query(journeyStatusQuery)).state).toBe('waiting');
      expect(await order(userId, 'o-early')).toEqual([workflowId]);
      return (await handle.result()) as JourneyResult;
    });
    expect(result).toMatchObject({ outcome: 'converted', reason: 'converted_before_send', dispatchIds: [] });
    expect(outboxFiles()).toHaveLength(before);
    const [row] = await h.database.db.select().from(journeys).where(eq(journeys.workflowId, workflowId));
    expect(row).toMatchObject({ status: 'converted', customerId });
    const [o] = await h.database.db.select().from(orders).where(eq(orders.sourceId, 'o-early'));
    expect(o?.attributedDispatchId).toBeNull();
  });

  it('sends one reminder after the quiet period and credits it with the order', async () => {
    const { userId, workflowId } = await customerWithCart('late');
    const result = await h.withWorker(async () => {
      const handle = h.env.client.workflow.getHandle(workflowId);
      await h.env.sleep('2 hours');
      const status = await handle.query(journeyStatusQuery);
      expect(status.state).toBe('awaiting-conversion');
      expect(status.sent).toHaveLength(1);
      await order(userId, 'o-late');
      return (await handle.result()) as JourneyResult;
    });
    expect(result.outcome).toBe('converted');
    expect(result.dispatchIds).toHaveLength(1);
    const dispatchId = result.dispatchIds[0]!;
    expect(outboxFiles()).toEqual(expect.arrayContaining([`${dispatchId}.html`, `${dispatchId}.txt`, `${dispatchId}.json`]));
    const [o] = await h.database.db.select().from(orders).where(eq(orders.sourceId, 'o-late'));
    expect(o?.attributedDispatchId).toBe(dispatchId);
    const converted = await h.database.db.select().from(outcomes).where(and(eq(outcomes.workflowId, workflowId), eq(outcomes.kind, 'converted')));
    expect(converted).toMatchObject([{ dispatchId, orderId: o?.id, valueMinor: 3600 }]);
  });

  it('ends after its attribution window when nobody orders', async () => {
    const { workflowId } = await customerWithCart('never');
    const result = await h.withWorker(() => h.env.client.workflow.getHandle(workflowId).result() as Promise<JourneyResult>);
    expect(result).toMatchObject({ outcome: 'no_conversion', orderId: null });
    expect(result.dispatchIds).toHaveLength(1);
    const [row] = await h.database.db.select().from(journeys).where(eq(journeys.workflowId, workflowId));
    expect(row?.status).toBe('completed');
    expect(row?.endedAt).toBeInstanceOf(Date);
  });

  it('keeps one journey per cart however often the cart changes', async () => {
    const { userId, cartId, workflowId } = await customerWithCart('twice');
    const again = await send({ type: 'cart_updated', customer: { userId }, cartId, currency: 'EUR',
      items: [{ productId: 'p-kettle', quantity: 1, priceMinor: 5900 }] } as never);
    expect(again).toEqual([workflowId]);
    const rows = await h.database.db.select().from(journeys).where(eq(journeys.triggerKey, cartId));
    expect(rows).toHaveLength(1);
    const result = await h.withWorker(() => h.env.client.workflow.getHandle(workflowId).result() as Promise<JourneyResult>);
    expect(result.dispatchIds).toHaveLength(1);
  });
});
