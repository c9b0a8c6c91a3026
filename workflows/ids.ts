import type { JourneyName } from './types.ts';

// The only place workflow IDs are made: `<journey>:<shop>:<customer>:<triggerKey>`. Deterministic IDs
// are what make a second trigger for the same thing land on the same journey.
export function journeyWorkflowId(journey: JourneyName, shopId: string, customerId: string, triggerKey: string): string {
  for (const [name, part] of [['shopId', shopId], ['customerId', customerId], ['triggerKey', triggerKey]] as const) {
    if (part.length === 0 || part.includes(':')) throw new Error(`${name} must be non-empty and contain no ':' (got "${part}")`);
  }
  return `${journey}:${shopId}:${customerId}:${triggerKey}`;
}

export function parseJourneyWorkflowId(workflowId: string): { journey: JourneyName; shopId: string; customerId: string; triggerKey: string } {
  const [journey, shopId, customerId, triggerKey, ...rest] = workflowId.split(':');
  if (!journey || !shopId || !customerId || !triggerKey || rest.length > 0) throw new Error(`not a journey workflow id: ${workflowId}`);
  return { journey: journey as JourneyName, shopId, customerId, triggerKey };
}

/** A clearance campaign's workflow: `clearance-campaign:<shop>:<campaignId>`. One run per campaign name. */
export function campaignWorkflowId(shopId: string, campaignId: string): string {
  for (const [name, part] of [['shopId', shopId], ['campaignId', campaignId]] as const) {
    if (part.length === 0 || part.includes(':')) throw new Error(`${name} must be non-empty and contain no ':' (got "${part}")`);
  }
  return `clearance-campaign:${shopId}:${campaignId}`;
}
