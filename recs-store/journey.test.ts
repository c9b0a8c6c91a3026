import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutgoingMessage } from '../channels/types.ts';
import { decisions, dispatches } from '../db/schema.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import { seedCustomer } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { createTestShop } from './test-shop.ts';

// Tents are browsed with a head lamp (another category, never sold) and bought with pegs. The SQL rules
// that came before would follow the viewed product with camping best sellers (pegs); the recommender
// follows it with what sessions like this one went on to view.
const shopId = 'shop-recs-journey';
const HOUR = 3_600_000;
let h: JourneyHarness;

beforeAll(async () => {
  h = await createJourneyHarness();
  const shop = await createTestShop(h.database, shopId, [['p-tent', 'camping', 5], ['p-pegs', 'camping', 50], ['p-headlamp', 'lights', 7], ['p-mug', 'kitchen', 9]]);
  const at = (n: number) => new Date(Date.now() - 48 * HOUR + n * 60_000);
  for (let u = 0; u < 12; u++) {
    await shop.view(`camper${u}`, 'p-tent', at(100 * u));
    await shop.view(`camper${u}`, 'p-headlamp', at(100 * u + 1));
    if (u % 2 === 0) await shop.order(`camper${u}`, `o${u}`, ['p-tent', 'p-pegs'], at(100 * u + 2));
  }
});
afterAll(async () => h?.close());

describe('browse-abandon with the recommender (time-skipping server, real activities and database)', () => {
  vi.setConfig({ testTimeout: 180_000 });

  it('sends the viewed product and what was viewed with it', async () => {
    await seedCustomer(h.deps, shopId, { userId: 'shopper' });
    const viewed = await applyEvent(h.deps, shopId, 'api', {
      type: 'product_viewed', eventId: 'long-view', occurredAt: new Date(await h.env.currentTimeMs()).toISOString(),
      customer: { userId: 'shopper' }, productId: 'p-tent', dwellMs: 240_000,
    });
    const [workflowId] = (await routeEvent(h.client, shopId, 'api', viewed)).filter((id) => id.startsWith('browse-abandon:'));
    if (!workflowId) throw new Error('the long view started no browse-abandon journey');

    const sent: OutgoingMessage[] = [];
    const capture = { provider: 'capture', send: async (m: OutgoingMessage) => (sent.push(m), { provider: 'capture', providerMessageId: m.dispatchId }) };
    await h.withWorker(async () => {
      for (let waited = 0; sent.length === 0 && waited < 3 * 24; waited++) await h.env.sleep(HOUR);
      await h.env.client.workflow.getHandle(workflowId).terminate('test finished');
    }, { email: capture });

    expect(sent).toHaveLength(1);
    const [decision] = await h.database.db.select().from(decisions).where(eq(decisions.workflowId, workflowId));
    const productIds = decision?.decision.productIds as string[];
    expect(productIds.slice(0, 2)).toEqual(['p-tent', 'p-headlamp']);
    expect(sent[0]!.text).toContain('headlamp');
    const [dispatch] = await h.database.db.select().from(dispatches).where(eq(dispatches.workflowId, workflowId));
    expect(dispatch).toMatchObject({ status: 'sent', contentType: 'browse_reminder', provider: 'capture' });
  });
});
