import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordOutcome } from '../activities/outcome.ts';
import type { Database } from '../db/client.ts';
import { providerEvents } from '../db/schema-channels.ts';
import { customers, dispatches, orders, outcomes, shops } from '../db/schema.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { loadCustomerModel } from '../learning/model-store.ts';
import { createTestDatabase } from '../test/db.ts';
import { attributeOrder } from './attribute.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const placedAt = new Date('2026-04-20T15:00:00Z');
const before = (ms: number) => new Date(placedAt.getTime() - ms);

describe('attributeOrder over stored dispatches and provider events', () => {
  let database: Database;
  let n = 0;
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(shops).values([
      { id: 'shop-x', name: 'X', currency: 'EUR' },
      { id: 'shop-y', name: 'Y', currency: 'EUR', settings: { attribution: { clickWindowDays: 2, openWindowDays: 0.5 } } },
    ]);
  });
  afterAll(async () => database?.close());

  /** A customer with one order and the given messages, each with its engagement. */
  async function scenario(shopId: string, messages: { sentAgo: number; provider?: string; clickAgo?: number; openAgo?: number; machine?: boolean; workflowId?: string }[]) {
    n += 1;
    const customerId = `cus_${n}`;
    await database.db.insert(customers).values({ id: customerId, shopId });
    await database.db.insert(orders).values({ id: `ord_${n}`, shopId, source: 'api', sourceId: `o${n}`, customerId, status: 'placed', currency: 'EUR', totalMinor: 5000, discountMinor: 500, placedAt });
    const ids: string[] = [];
    for (const [i, m] of messages.entries()) {
      const id = `dsp_${n}_${i}`;
      ids.push(id);
      await database.db.insert(dispatches).values({ id, idempotencyKey: id, shopId, customerId, workflowId: m.workflowId ?? `wf-${n}`, step: i + 1, channel: 'email',
        contentType: 'cart_reminder', status: 'sent', provider: m.provider ?? 'resend', sentAt: before(m.sentAgo), discountTier: 10 });
      const event = (kind: string, ago: number, detail = {}) => ({ shopId, provider: 'resend', providerEventId: `${id}-${kind}`, dispatchId: id, customerId, channel: 'email', kind, occurredAt: before(ago), detail });
      if (m.clickAgo !== undefined) await database.db.insert(providerEvents).values(event('clicked', m.clickAgo));
      if (m.openAgo !== undefined) await database.db.insert(providerEvents).values(event('opened', m.openAgo, m.machine ? { machineOpen: true } : {}));
    }
    return { customerId, orderId: `ord_${n}`, ids };
  }
  const attributed = async (orderId: string) => (await database.db.select().from(orders).where(eq(orders.id, orderId)))[0]?.attributedDispatchId;

  it('credits the message clicked at the very edge of the default 5-day click window, with revenue and discount', async () => {
    const s = await scenario('shop-x', [{ sentAgo: 6 * DAY, clickAgo: 5 * DAY }]);
    expect(await attributeOrder(database.db, 'shop-x', s.orderId)).toMatchObject({ dispatchId: s.ids[0], rule: 'click', valueMinor: 5000, discountMinor: 500, discountTier: 10 });
    expect(await attributed(s.orderId)).toBe(s.ids[0]);
  });

  it('credits nothing for a click one second outside the window', async () => {
    const s = await scenario('shop-x', [{ sentAgo: 6 * DAY, clickAgo: 5 * DAY + 1000 }]);
    expect(await attributeOrder(database.db, 'shop-x', s.orderId)).toBeNull();
    expect(await attributed(s.orderId)).toBeNull();
  });

  it('prefers a later click to a later open, and skips machine opens', async () => {
    const s = await scenario('shop-x', [{ sentAgo: 3 * DAY, clickAgo: 2 * DAY }, { sentAgo: 2 * HOUR, openAgo: HOUR }, { sentAgo: HOUR, openAgo: HOUR / 2, machine: true }]);
    expect(await attributeOrder(database.db, 'shop-x', s.orderId)).toMatchObject({ dispatchId: s.ids[0], rule: 'click' });
    const t = await scenario('shop-x', [{ sentAgo: 2 * HOUR, openAgo: HOUR }, { sentAgo: HOUR, openAgo: HOUR / 2, machine: true }]);
    expect(await attributeOrder(database.db, 'shop-x', t.orderId)).toMatchObject({ dispatchId: t.ids[0], rule: 'open' });
  });

  it('applies the shop\'s own windows', async () => {
    const s = await scenario('shop-y', [{ sentAgo: 4 * DAY, clickAgo: 3 * DAY }, { sentAgo: DAY, openAgo: 13 * HOUR }]);
    expect(await attributeOrder(database.db, 'shop-y', s.orderId)).toBeNull();
    const t = await scenario('shop-y', [{ sentAgo: DAY, openAgo: 12 * HOUR }]);
    expect(await attributeOrder(database.db, 'shop-y', t.orderId)).toMatchObject({ rule: 'open' });
  });

  it('makes the journey outcome and the order name the same message', async () => {
    const record = createRecordOutcome({ database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('ab'.repeat(32)), outboxDir: '/nonexistent', timeScale: 1 });
    // The journey's last send was only opened by a machine; its earlier send was clicked: that one earns the order.
    const s = await scenario('shop-x', [{ sentAgo: 2 * DAY, clickAgo: DAY, workflowId: 'wf-agree' }, { sentAgo: HOUR, openAgo: HOUR / 2, machine: true, workflowId: 'wf-agree' }]);
    await record({ shopId: 'shop-x', customerId: s.customerId, workflowId: 'wf-agree', journey: 'cart-abandon', step: 2, kind: 'converted', dispatchId: s.ids[1], orderId: s.orderId, valueMinor: 5000 });
    const [outcome] = await database.db.select().from(outcomes).where(eq(outcomes.workflowId, 'wf-agree'));
    expect(outcome).toMatchObject({ kind: 'converted', dispatchId: s.ids[0], reason: 'attributed_by_click' });
    expect(await attributed(s.orderId)).toBe(s.ids[0]);
    // The credited send's conversion reached the customer's e-mail posterior.
    const model = await loadCustomerModel(database.db, 'shop-x', s.customerId, 'UTC', placedAt.toISOString());
    expect(model.channels.email?.successes).toBeGreaterThan(0);

    // A conversion nobody engaged with: the journey converted, but no message earns it.
    const u = await scenario('shop-x', [{ sentAgo: HOUR, workflowId: 'wf-none' }]);
    await record({ shopId: 'shop-x', customerId: u.customerId, workflowId: 'wf-none', journey: 'cart-abandon', step: 1, kind: 'converted', dispatchId: u.ids[0], orderId: u.orderId, valueMinor: 5000 });
    const [none] = await database.db.select().from(outcomes).where(eq(outcomes.workflowId, 'wf-none'));
    expect(none).toMatchObject({ kind: 'converted', dispatchId: null, reason: 'outside_attribution_windows' });
    expect(await attributed(u.orderId)).toBeNull();
  });

  it('credits a dev-outbox send (no engagement reporting) within its window', async () => {
    const s = await scenario('shop-x', [{ sentAgo: HOUR, provider: 'outbox' }]);
    expect(await attributeOrder(database.db, 'shop-x', s.orderId)).toMatchObject({ rule: 'send', dispatchId: s.ids[0] });
  });

  it('never crosses shops', async () => {
    const s = await scenario('shop-x', [{ sentAgo: HOUR, clickAgo: HOUR / 2 }]);
    expect(await attributeOrder(database.db, 'shop-y', s.orderId)).toBeNull();
    expect(await attributed(s.orderId)).toBeNull();
    expect(await attributeOrder(database.db, 'shop-x', s.orderId)).toMatchObject({ rule: 'click' });
  });
});
