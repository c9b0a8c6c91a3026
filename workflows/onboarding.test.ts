import { fireTrigger } from '../journeys/fire.ts';
import { recordView } from '../test/journey-fixtures.ts';
import { journeyScenarios, type ScenarioCustomer } from '../test/journey-scenarios.ts';

const newCustomer = ({ h, shopId, customerId }: ScenarioCustomer) => fireTrigger(h.client, { kind: 'new-customer', shopId, customerId });

journeyScenarios({
  journey: 'onboarding',
  decideAfterMs: 3_600_000,
  // Their first browsing shapes the starter products.
  setup: (c) => recordView(c.h, c.shopId, c.customerId, 'p-teapot'),
  async trigger(c) {
    const [id] = await newCustomer(c);
    return id!;
  },
  async retrigger(c) {
    await newCustomer(c);
  },
});
