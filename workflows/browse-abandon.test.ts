import { fireTrigger } from '../journeys/fire.ts';
import { journeyScenarios, type ScenarioCustomer } from '../test/journey-scenarios.ts';

const dwell = ({ h, shopId, customerId }: ScenarioCustomer) =>
  fireTrigger(h.client, { kind: 'product-dwell', shopId, customerId, productId: 'p-kettle', viewId: `v-${Math.random()}`, dwellMs: 200_000 });

journeyScenarios({
  journey: 'browse-abandon',
  decideAfterMs: 2 * 3_600_000,
  async trigger(c) {
    const [id] = await dwell(c);
    return id!;
  },
  async retrigger(c) {
    await dwell(c);
  },
  async reset(c) {
    await dwell(c);
  },
});
