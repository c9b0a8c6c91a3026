import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchKey } from '../activities/dispatch.ts';
import type { CanonicalEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import { FakeResend } from '../test/fakes/resend.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { createJourneyHarness, type JourneyHarness } from '../test/temporal.ts';
import type { JourneyResult } from '../workflows/types.ts';
import { ResendSender } from './resend.ts';
import type { ChannelSenders } from './types.ts';

describe('a cart-abandon journey sends through the real Resend SDK (time-skipping server, local Resend)', () => {
  let h: JourneyHarness;
  let resend: FakeResend;
  let senders: ChannelSenders;
  let shopId: string;
  beforeAll(async () => {
    h = await createJourneyHarness();
    resend = await new FakeResend().start();
    senders = {
      email: new ResendSender({ apiKey: resend.apiKey, from: 'shop@tea.example', baseUrl: resend.url }),
    };
    shopId = await seedShop(h.database, 'shop-journey-channels');
  });
  afterAll(async () => {
    await resend?.stop();
    await h?.close();
  });

  async function abandonCart(tag: string, email: string) {
    const userId = `jc-${tag}`;
    await seedCustomer(h.deps, shopId, { userId, email });
    const event = { type: 'cart_updated', eventId: `jc-${tag}`, occurredAt: new Date().toISOString(), customer: { userId }, cartId: `cart-${tag}`, currency: 'EUR',
      items: [{ productId: 'p-mug', quantity: 1, priceMinor: 1800 }] } as CanonicalEvent;
    const [workflowId] = await routeEvent(h.client, shopId, 'api', await applyEvent(h.deps, shopId, 'api', event));
    if (!workflowId) throw new Error('no journey started');
    return workflowId;
  }

  it('e-mails both cart reminders through Resend, each with its journey-derived idempotency key', async () => {
    const workflowId = await abandonCart('mail', 'journey-mail@example.com');
    const result = await h.withWorker(() => h.env.client.workflow.getHandle(workflowId).result() as Promise<JourneyResult>, senders);
    // cart-abandon: a first reminder, and a second touch a day later when nobody ordered.
    expect(result.dispatchIds).toHaveLength(2);
    const sent = resend.emails.filter((e) => e.to.includes('journey-mail@example.com'));
    expect(sent.map((e) => e.idempotencyKey)).toEqual([dispatchKey(workflowId, 1, 'email'), dispatchKey(workflowId, 2, 'email')]);
    expect(sent[0]).toMatchObject({ subject: expect.stringContaining('cart') });
    expect(sent[0]!.text).toContain('Stoneware mug');
  });
});
