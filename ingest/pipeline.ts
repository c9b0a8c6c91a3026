import type { JourneyClientDeps } from '../journeys/deps.ts';
import { fireTrigger } from '../journeys/fire.ts';
import { triggersFor, type JourneyTrigger } from '../journeys/triggers.ts';
import type { CanonicalEvent } from './canonical.ts';
import { applyEvents, type EntryDeps, type EntryResult } from './entry.ts';

export interface PipelineDeps extends EntryDeps {
  /** Absent for bulk imports of history: old events must not start journeys. */
  journeys?: JourneyClientDeps;
}

export interface PipelineOutcome {
  results: EntryResult[];
  accepted: number;
  duplicates: number;
  failed: { index: number; error: string }[];
  /** Workflow IDs started or signalled. */
  journeys: string[];
}

/**
 * Stores events through the entry path, then routes each stored one to its journeys at once. A journey
 * that cannot be reached does not undo or refuse the stored event: it is logged and counted, and the
 * next change of the same thing reaches the journey again.
 */
export async function ingestEvents(deps: PipelineDeps, shopId: string, source: string, events: CanonicalEvent[]): Promise<PipelineOutcome> {
  const results = await applyEvents(deps, shopId, source, events);
  const outcome: PipelineOutcome = { results, accepted: 0, duplicates: 0, failed: [], journeys: [] };
  const triggers: JourneyTrigger[] = [];
  for (const [index, r] of results.entries()) {
    if (!r.ok) {
      outcome.failed.push({ index, error: r.error });
      continue;
    }
    if (r.effect.duplicate) {
      outcome.duplicates++;
      continue;
    }
    outcome.accepted++;
    deps.journeys?.metrics.eventsIngested.inc({ source, type: r.effect.event.type });
    triggers.push(...triggersFor(shopId, source, r.effect));
  }
  if (deps.journeys) outcome.journeys = await fireAll(deps.journeys, collapseCartChanges(triggers));
  return outcome;
}

/**
 * Several changes of one cart in one request: only the last matters to its journey (the quiet period
 * restarts from the latest change), so only the last is sent.
 */
export function collapseCartChanges(triggers: JourneyTrigger[]): JourneyTrigger[] {
  const last = new Map<string, number>();
  triggers.forEach((t, i) => {
    if (t.kind === 'cart-changed') last.set(`${t.customerId}/${t.cart.cartId}`, i);
  });
  return triggers.filter((t, i) => t.kind !== 'cart-changed' || last.get(`${t.customerId}/${t.cart.cartId}`) === i);
}

const FIRE_CONCURRENCY = 8;

/**
 * Fires triggers with several customers in flight at once; one customer's triggers stay in their
 * order. A journey that cannot be reached is logged and does not undo the stored event.
 */
async function fireAll(deps: JourneyClientDeps, triggers: JourneyTrigger[]): Promise<string[]> {
  const groups = new Map<string, JourneyTrigger[]>();
  for (const t of triggers) {
    const key = 'customerId' in t ? t.customerId : `product:${t.productId}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const queue = [...groups.values()];
  const touched: string[] = [];
  await Promise.all(Array.from({ length: Math.min(FIRE_CONCURRENCY, queue.length) }, async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const trigger of group) {
        try {
          touched.push(...(await fireTrigger(deps, trigger)));
        } catch (error) {
          deps.logger.error({ err: error, shopId: trigger.shopId, trigger: trigger.kind }, 'stored event could not reach its journey');
        }
      }
    }
  }));
  return touched;
}
