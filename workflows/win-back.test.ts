import { fireTrigger } from '../journeys/fire.ts';
import { journeyScenarios, type ScenarioCustomer } from '../test/journey-scenarios.ts';

const turnedAtRisk = async ({ h, shopId, customerId }: ScenarioCustomer) =>
  fireTrigger(h.client, { kind: 'stage-changed', shopId, customerId, from: 'active', to: 'at-risk', at: new Date(await h.env.currentTimeMs()).toISOString() });

journeyScenarios({
  journey: 'win-back',
  decideAfterMs: 0,
  async trigger(c) {
    const [id] = await turnedAtRisk(c);
    return id!;
  },
  async retrigger(c) {
    await turnedAtRisk(c);
  },
});
