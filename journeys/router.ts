import type { AnyEffect } from '../ingest/entry.ts';
import type { JourneyClientDeps } from './deps.ts';
import { fireTrigger } from './fire.ts';
import { triggersFor } from './triggers.ts';

/** Acts on a stored event at once: detects its triggers and fires each. */
export async function routeEvent(deps: JourneyClientDeps, shopId: string, source: string, effect: AnyEffect): Promise<string[]> {
  const touched: string[] = [];
  for (const trigger of triggersFor(shopId, source, effect)) touched.push(...(await fireTrigger(deps, trigger)));
  return touched;
}
