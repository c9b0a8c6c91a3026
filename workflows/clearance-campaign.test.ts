import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, events, products, shops } from '../db/schema.ts';
import { startCampaign } from '../journeys/campaign.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import { maybeRecordHistory } from '../test/histories.ts';
import { campaignProgressQuery } from './campaign-signals.ts';
import { campaignWorkflowId, journeyWorkflowId } from './ids.ts';
import type { CampaignProgress } from './types.ts';

const RATE = 100;
const AUDIENCE = 1000;

describe('clearance campaign (time-skipping server, real activities and database)', () => {
  let h: JourneyHarness;
  const shopId = 'shop-campaign';
  const interested: string[] = [];
  beforeAll(async () => {
    h = await createJourneyHarness();
    const { db } = h.database;
    await db.insert(shops).values({ id: shopId, name: 'Campaign shop', currency: 'EUR', settings: { campaignRatePerMinute: RATE } });
    await db.insert(products).values([
      { shopId, id: 'p-hose', title: 'Hose', category: 'garden', priceMinor: 2900, currency: 'EUR', stock: 3 },
      { shopId, id: 'p-mug', title: 'Mug', category: 'kitchen', priceMinor: 1800, currency: 'EUR', stock: 30 },
    ]);
    // 1,000 customers who looked at garden items, and 200 who only looked at kitchen ones.
    for (let start = 0; start < AUDIENCE + 200; start += 200) {
      const batch = Array.from({ length: 200 }, (_, i) => `cus_${String(start + i).padStart(5, '0')}`);
      await db.insert(customers).values(batch.map((id) => ({ id, shopId, timezone: 'Europe/Berlin' })));
      await db.insert(events).values(batch.map((customerId, i) => ({ shopId, customerId, type: 'product_viewed', source: 'test', sourceEventId: `v-${customerId}`,
        productId: start + i < AUDIENCE ? 'p-hose' : 'p-mug', occurredAt: new Date() })));
      interested.push(...batch.filter((_, i) => start + i < AUDIENCE));
    }
  });
  afterAll(async () => h?.close());

  it(`fans out one journey to each of ${AUDIENCE} interested customers, never faster than the shop's ${RATE}/min`, { timeout: 600_000 }, async () => {
    await startCampaign(h.client, { shopId, campaignId: 'garden-end', target: { category: 'garden' }, ratePerMinute: 500 });
    const handle = h.env.client.workflow.getHandle(campaignWorkflowId(shopId, 'garden-end'));
    const progress = await h.withWorker(async () => {
      const result = (await handle.result()) as CampaignProgress;
      await maybeRecordHistory(h.env.client, campaignWorkflowId(shopId, 'garden-end'), 'clearance-campaign.done');
      return result;
    });
    // The requested 500/min is capped at the shop's allowance; the audience is walked across runs.
    expect(progress).toMatchObject({ state: 'done', audienceTotal: AUDIENCE, started: AUDIENCE, duplicates: 0, ratePerMinute: RATE });
    expect(progress.runs).toBeGreaterThan(1);

    const starts = (await Promise.all(interested.map(async (customerId) =>
      (await h.env.client.workflow.getHandle(journeyWorkflowId('clearance', shopId, customerId, 'garden-end')).describe()).startTime.getTime()))).sort((a, b) => a - b);
    expect(starts).toHaveLength(AUDIENCE);
    // In every minute-long window, at most RATE journeys started.
    let busiest = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i]! - starts[j]! >= 60_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(RATE);
    expect(busiest).toBeGreaterThan(RATE / 2);
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(((AUDIENCE - RATE) / RATE) * 60_000);
  });

  it('refuses a second start of the same campaign and reports progress by query', async () => {
    await expect(startCampaign(h.client, { shopId, campaignId: 'garden-end', target: { category: 'garden' } })).rejects.toThrow(/already ran or is running/);
    const progress = await h.withWorker(() => h.env.client.workflow.getHandle(campaignWorkflowId(shopId, 'garden-end')).query(campaignProgressQuery));
    expect(progress).toMatchObject({ state: 'done', started: AUDIENCE });
  });
});
