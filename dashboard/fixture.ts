import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRecordOutcome } from '../activities/outcome.ts';
import type { Database } from '../db/client.ts';
import { providerEvents } from '../db/schema-channels.ts';
import { experimentExposures, experiments } from '../db/schema-experiments.ts';
import { customers, decisions, dispatches, events, journeys, orders, outcomes, products, shops } from '../db/schema.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What the fixture wrote, so a test can say which numbers the dashboard must show. */
export interface DashboardFixture {
  shopId: string;
  sends: number;
  delivered: number;
  opened: number;
  clicked: number;
  recipients: number;
  traffic: number;
  convertedCustomers: string[];
  revenueMinor: number;
  recoveredCarts: number;
  recoveredDiscountMinor: number;
  outboxDispatches: string[];
  arms: Record<string, { exposed: number; converted: number }>;
  skips: Record<string, number>;
  sample: { customerId: string; workflowId: string; stage: string };
}

/**
 * A shop with a month of cart-abandon journeys written the way the activities write them: decisions,
 * dispatches (dev outbox and Resend), provider events (delivery, human and machine opens, clicks),
 * orders credited by the real recordOutcome, skips, an experiment with a holdout, and `extra` visitors
 * who got nothing. Deterministic in its counts; instants are relative to `now`.
 */
export async function seedDashboardShop(database: Database, options: { shopId: string; outboxDir: string; journeys?: number; extraVisitors?: number; now?: Date }): Promise<DashboardFixture> {
  const { db } = database;
  const { shopId, outboxDir } = options;
  const total = options.journeys ?? 36;
  const skipped = Math.min(6, Math.floor(total / 6));
  const sending = total - skipped;
  const now = (options.now ?? new Date()).getTime();
  const record = createRecordOutcome({ database, logger: createLogger('silent'), metrics: createMetrics(), cipher: new PiiCipher('ab'.repeat(32)), outboxDir, timeScale: 1 });

  await db.insert(shops).values({ id: shopId, name: `Shop ${shopId}`, currency: 'EUR', timezone: 'UTC' });
  await db.insert(products).values([
    { shopId, id: 'p-mug', title: 'Stoneware mug', category: 'kitchen', priceMinor: 1800, currency: 'EUR', stock: 20 },
    { shopId, id: 'p-kettle', title: 'Gooseneck kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR', stock: 5 },
  ]);
  const experimentId = `exp_${shopId}`;
  await db.insert(experiments).values({ id: experimentId, shopId, name: 'copy-test', journeys: ['cart-abandon'], holdoutShare: 0.2, conversionWindowMs: 5 * DAY, salt: 's',
    variants: [{ key: 'friendly', weight: 1, changes: { copyStyle: 'friendly' } }, { key: 'urgent', weight: 1, changes: { copyStyle: 'urgent' } }] });

  const fx: DashboardFixture = { shopId, sends: 0, delivered: 0, opened: 0, clicked: 0, recipients: 0, traffic: 0, convertedCustomers: [], revenueMinor: 0, recoveredCarts: 0,
    recoveredDiscountMinor: 0, outboxDispatches: [], arms: { friendly: { exposed: 0, converted: 0 }, urgent: { exposed: 0, converted: 0 }, holdout: { exposed: 0, converted: 0 } }, skips: {},
    sample: { customerId: '', workflowId: '', stage: '' } };
  const visitors = total + (options.extraVisitors ?? 10);
  const id = (i: number) => `cus_${shopId.replace(/\W/g, '')}_${String(i).padStart(4, '0')}`;
  for (let i = 0; i < visitors; i++) {
    const stage = ['new', 'active', 'at-risk'][i % 3]!;
    await db.insert(customers).values({ id: id(i), shopId, timezone: 'Europe/Berlin', stage });
    await db.insert(events).values({ shopId, customerId: id(i), type: 'product_viewed', productId: 'p-mug', source: 'api', sourceEventId: `view-${i}`, occurredAt: new Date(now - ((i % 20) + 1) * DAY) });
    fx.traffic += 1;
  }

  for (let i = 0; i < total; i++) {
    const customerId = id(i);
    const workflowId = `cart-abandon:${shopId}:${customerId}:cart-${i}`;
    const startedAt = new Date(now - ((i % 10) + 2) * DAY);
    const decidedAt = new Date(startedAt.getTime() + HOUR);
    const holdout = i >= sending && i % 2 === 1;
    const arm = holdout ? 'holdout' : i % 2 === 0 ? 'friendly' : 'urgent';
    await db.insert(journeys).values({ workflowId, shopId, customerId, journey: 'cart-abandon', triggerKey: `cart-${i}`, startedAt, status: 'running' });
    const decision = i < sending
      ? { action: 'send', channel: 'email', reason: null, variant: `copy-test/${arm}`, productIds: ['p-mug', 'p-kettle'] }
      : { action: 'none', channel: null, reason: holdout ? 'holdout' : 'no_send_time', variant: `copy-test/${arm}`, productIds: ['p-mug'] };
    await db.insert(decisions).values({ shopId, customerId, workflowId, step: 1, decision, createdAt: decidedAt });
    await db.insert(experimentExposures).values({ experimentId, workflowId, step: 1, shopId, customerId, journey: 'cart-abandon', variant: arm, holdout, propensity: holdout ? 0.2 : 0.4, exposedAt: decidedAt });
    fx.arms[arm]!.exposed += 1;
    if (i >= sending) {
      // The kernel records a decision of "none" as the skip "no_action"; the dashboard shows the decision's own reason.
      const reason = holdout ? 'holdout' : 'no_send_time';
      await db.insert(outcomes).values({ shopId, customerId, workflowId, step: 1, kind: 'skipped', reason: 'no_action', occurredAt: decidedAt });
      fx.skips[reason] = (fx.skips[reason] ?? 0) + 1;
      continue;
    }

    const outbox = i % 3 === 0;
    const dispatchId = `dsp_${shopId.replace(/\W/g, '')}_${i}`;
    const sentAt = new Date(decidedAt.getTime() + HOUR);
    await db.insert(dispatches).values({ id: dispatchId, idempotencyKey: `${workflowId}:1:email`, shopId, customerId, workflowId, step: 1, channel: 'email', contentType: 'cart_reminder',
      status: 'sent', provider: outbox ? 'outbox' : 'resend', discountTier: i % 4 === 0 ? 10 : 0, variant: `copy-test/${arm}`, sentAt });
    fx.sends += 1;
    fx.recipients += 1;
    if (i === 4) fx.sample = { customerId, workflowId, stage: ['new', 'active', 'at-risk'][i % 3]! };
    let engagedAt: Date | null = outbox ? sentAt : null;
    if (outbox) {
      fx.delivered += 1;
      fx.outboxDispatches.push(dispatchId);
      await mkdir(join(outboxDir, shopId), { recursive: true });
      await writeFile(join(outboxDir, shopId, `${dispatchId}.html`), `<html><body><h1>Your cart is waiting</h1><p>message ${dispatchId}</p></body></html>`);
      await writeFile(join(outboxDir, shopId, `${dispatchId}.txt`), `Your cart is waiting (${dispatchId})`);
    } else {
      const event = (kind: string, at: Date, detail: Record<string, unknown> = {}) =>
        db.insert(providerEvents).values({ shopId, provider: 'resend', providerEventId: `${dispatchId}-${kind}-${at.getTime()}`, dispatchId, customerId, channel: 'email', kind, occurredAt: at, detail });
      await event('delivered', new Date(sentAt.getTime() + 60_000));
      fx.delivered += 1;
      if (i % 5 === 1) await event('opened', new Date(sentAt.getTime() + 90_000), { machineOpen: true });
      if (i % 2 === 0) {
        await event('opened', new Date(sentAt.getTime() + 2 * HOUR));
        fx.opened += 1;
        engagedAt = new Date(sentAt.getTime() + 2 * HOUR);
      }
      if (i % 4 === 0) {
        await event('clicked', new Date(sentAt.getTime() + 3 * HOUR));
        fx.clicked += 1;
        engagedAt = new Date(sentAt.getTime() + 3 * HOUR);
      }
    }

    // Those who clicked, and every second outbox recipient, order within the windows.
    const orders_ = (outbox && i % 2 === 0) || (!outbox && i % 4 === 0);
    if (orders_ && engagedAt) {
      const orderId = `ord_${shopId}_${i}`;
      const discountMinor = i % 4 === 0 ? 400 : 0;
      await db.insert(orders).values({ id: orderId, shopId, source: 'api', sourceId: `o-${i}`, customerId, status: 'placed', currency: 'EUR', totalMinor: 4000, discountMinor, placedAt: new Date(engagedAt.getTime() + HOUR) });
      await record({ shopId, customerId, workflowId, journey: 'cart-abandon', step: 1, kind: 'converted', dispatchId, orderId, valueMinor: 4000 });
      fx.convertedCustomers.push(customerId);
      fx.revenueMinor += 4000;
      fx.recoveredCarts += 1;
      fx.recoveredDiscountMinor += discountMinor;
      fx.arms[arm]!.converted += 1;
    } else {
      await record({ shopId, customerId, workflowId, journey: 'cart-abandon', step: 1, kind: 'no_conversion' });
    }
  }
  return fx;
}
