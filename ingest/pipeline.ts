import type { JourneyClientDeps } from '../journeys/deps.ts';
import { routeEvent } from '../journeys/router.ts';
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
    if (!deps.journeys) continue;
    try {
      outcome.journeys.push(...(await routeEvent(deps.journeys, shopId, source, r.effect)));
    } catch (error) {
      deps.journeys.logger.error({ err: error, shopId, source, eventId: events[index]?.eventId }, 'stored event could not reach its journeys');
    }
  }
  return outcome;
}
