import { and, count, eq, gte, isNotNull } from 'drizzle-orm';
import { dispatches, journeys, orders } from '../db/schema.ts';
import { ingestEvents } from '../ingest/pipeline.ts';
import { parseConfig } from '../lib/config.ts';
import { startStack, type Stack } from '../runtime/stack.ts';
import { journeyWorkflowId } from '../workflows/ids.ts';
import { journeyStatusQuery } from '../workflows/signals.ts';
import type { JourneyResult } from '../workflows/types.ts';
import { daytimeZone, seedDemoShop } from './demo/seed.ts';

const HELP = `npm run demo — runs one cart-abandon journey end to end on the embedded stack and exits.

Starts the Temporal dev server (UI on :8233) and PGlite in ./data, seeds a demo shop with an existing
customer, sends a cart event, lets the journey decide, sleep and send to the dev outbox, then places the order that
converts it and prints a summary. Journey waits are compressed with JOURNEY_TIME_SCALE (default for
the demo: 0.002, so the one-hour quiet period lasts about 7 s).`;

async function post(stack: Stack, apiKey: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${stack.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`POST /v1/events answered ${response.status}: ${JSON.stringify(json)}`);
  return { status: response.status, json };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  const started = Date.now();
  const config = parseConfig({ JOURNEY_TIME_SCALE: '0.002', LOG_LEVEL: 'warn', ...process.env });
  if (!config.embedded) throw new Error('the demo runs on the embedded stack: unset DATABASE_URL and TEMPORAL_ADDRESS');
  const stack = await startStack(config, { worker: true, api: true, ingest: true });
  try {
    const { shopId, apiKey } = await seedDemoShop(stack.database.db);
    const run = Date.now().toString(36);
    const customer = { userId: `demo-user-${run}`, email: `ada.${run}@example.com`, timezone: daytimeZone() };
    const at = () => new Date().toISOString();
    console.log(`demo: shop ${shopId}, customer ${customer.userId} (time zone ${customer.timezone})`);

    // The demo shop's existing customer, stored as a history import is (no journeys started): a brand-new
    // customer would get the onboarding e-mail first, and the e-mail frequency cap would rightly hold
    // the cart reminder for 16 hours.
    await ingestEvents({ database: stack.database, cipher: stack.cipher, startJourneys: false }, shopId, 'api', [
      { type: 'customer_updated', eventId: `cu-${run}`, occurredAt: at(), customer, consents: [{ channel: 'email', granted: true }] },
    ]);
    const cartId = `cart-${run}`;
    const items = [{ productId: 'sku-espresso-beans', quantity: 2, priceMinor: 2490 }, { productId: 'sku-grinder', quantity: 1, priceMinor: 8900 }];
    const cart = await post(stack, apiKey, { type: 'cart_updated', eventId: `cart-${run}-1`, occurredAt: at(), customer, cartId, currency: 'EUR', items });
    // The reply says the trigger was queued; the outbox dispatcher starts the journey right after.
    const workflowId = journeyWorkflowId('cart-abandon', shopId, String(cart.json.customerId), cartId);
    console.log(`demo: cart event queued ${String(cart.json.triggersQueued)} trigger(s) for journey ${workflowId}; waiting for its message...`);

    const handle = stack.temporal.workflow.getHandle(workflowId);
    for (;;) {
      const status = await handle.query(journeyStatusQuery).catch((error: unknown) => {
        if ((error as Error).name === 'WorkflowNotFoundError') return null;
        throw error;
      });
      if (!status) {
        if (Date.now() - started > 100_000) throw new Error('the cart event started no journey within 100 s');
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (status.sent.length > 0) break;
      if (status.state === 'done') throw new Error(`the journey ended without sending: ${JSON.stringify(status.skipReasons)}`);
      if (Date.now() - started > 100_000) throw new Error(`no message after 100 s (state ${status.state})`);
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log('demo: message sent to the outbox; placing the order...');
    await post(stack, apiKey, { type: 'order_placed', eventId: `order-${run}`, occurredAt: at(), customer, orderId: `order-${run}`, cartId,
      currency: 'EUR', totalMinor: 13880, lines: items });
    const result = (await handle.result()) as JourneyResult;

    const db = stack.database.db;
    // Counted over this run only: the data folder keeps earlier runs' journeys too.
    const since = new Date(started);
    const [started_] = await db.select({ n: count() }).from(journeys).where(and(eq(journeys.shopId, shopId), gte(journeys.startedAt, since)));
    const [sent] = await db
      .select({ n: count() })
      .from(dispatches)
      .where(and(eq(dispatches.shopId, shopId), eq(dispatches.status, 'sent'), gte(dispatches.sentAt, since)));
    const [attributed] = await db
      .select({ n: count() })
      .from(orders)
      .where(and(eq(orders.shopId, shopId), isNotNull(orders.attributedDispatchId), gte(orders.placedAt, since)));
    const ui = `${stack.temporalUiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;
    console.log(`\ndemo: this run's journey ended "${result.outcome}" (order ${result.orderId}, credited to ${result.dispatchIds.at(-1)})`);
    console.log(`demo: outbox      ${config.outboxDir}/${shopId}/`);
    console.log(`demo: Temporal UI ${ui} (while the stack runs: npm start)`);
    console.log(`demo: took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`summary journeys_started=${started_?.n ?? 0} messages_sent=${sent?.n ?? 0} conversions_attributed=${attributed?.n ?? 0}`);
    if (result.outcome !== 'converted') throw new Error(`expected the journey to convert, it ended "${result.outcome}"`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
