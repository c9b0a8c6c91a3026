import type { CanonicalEvent } from '../ingest/canonical.ts';
import { applyEvent } from '../ingest/entry.ts';
import { routeEvent } from '../journeys/router.ts';
import { journeyScenarios, type ScenarioCustomer } from '../test/journey-scenarios.ts';

let n = 0;
async function cartChange({ h, shopId, userId, tag }: ScenarioCustomer, productIds: string[]): Promise<string[]> {
  const event: CanonicalEvent = { type: 'cart_updated', eventId: `cart-${tag}-${++n}`, occurredAt: new Date().toISOString(), customer: { userId },
    cartId: `cart-${tag}`, currency: 'EUR', items: productIds.map((productId) => ({ productId, quantity: 1, priceMinor: 1800 })) };
  return routeEvent(h.client, shopId, 'api', await applyEvent(h.deps, shopId, 'api', event));
}

journeyScenarios({
  journey: 'cart-abandon',
  decideAfterMs: 3_600_000,
  async trigger(c) {
    const [id] = await cartChange(c, ['p-mug', 'p-kettle']);
    return id!;
  },
  async retrigger(c) {
    await cartChange(c, ['p-mug', 'p-kettle']);
  },
  async reset(c) {
    await cartChange(c, ['p-mug']);
  },
});
