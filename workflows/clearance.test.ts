import { expect } from 'vitest';
import { CampaignExistsError, startCampaign } from '../journeys/campaign.ts';
import { recordView } from '../test/journey-fixtures.ts';
import { journeyScenarios, type ScenarioCustomer } from '../test/journey-scenarios.ts';
import { journeyWorkflowId } from './ids.ts';

// Each scenario's shop has one customer interested in garden items, so the campaign's audience is them.
const campaign = ({ h, shopId }: ScenarioCustomer) => startCampaign(h.client, { shopId, campaignId: 'summer-end', target: { category: 'garden' } });

journeyScenarios({
  journey: 'clearance',
  decideAfterMs: 0,
  setup: (c) => recordView(c.h, c.shopId, c.customerId, 'p-hose'),
  async trigger(c) {
    c.background.push(await campaign(c));
    return journeyWorkflowId('clearance', c.shopId, c.customerId, 'summer-end');
  },
  async retrigger(c) {
    await expect(campaign(c)).rejects.toBeInstanceOf(CampaignExistsError);
  },
});
