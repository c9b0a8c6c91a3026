import { fireTrigger } from '../journeys/fire.ts';
import { placeOrder } from '../test/journey-fixtures.ts';
import { journeyScenarios } from '../test/journey-scenarios.ts';

journeyScenarios({
  journey: 'cross-sell',
  decideAfterMs: 3 * 86_400_000,
  async trigger(c) {
    const touched = await placeOrder(c.h, c.shopId, c.userId, 'o-first', ['p-mug'], new Date(await c.h.env.currentTimeMs()));
    const id = touched.find((t) => t.startsWith('cross-sell:'));
    if (!id) throw new Error(`the order started no cross-sell: ${touched.join(', ')}`);
    return id;
  },
  async retrigger(c) {
    // The same order reported again (a webhook retry that got past dedupe): still one journey.
    const orderId = `ord_${c.shopId}_api_o-first`;
    await fireTrigger(c.h.client, { kind: 'order-placed', shopId: c.shopId, customerId: c.customerId, productIds: ['p-mug'],
      order: { version: 1, orderId, valueMinor: 1800, currency: 'EUR', placedAt: new Date().toISOString() } });
  },
});
