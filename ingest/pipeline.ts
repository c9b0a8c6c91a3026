import { enqueueTriggers } from '../journeys/outbox.ts';
import { triggersFor, type JourneyTrigger } from '../journeys/triggers.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { CanonicalEvent } from './canonical.ts';
import { applyEvents, type AfterStore, type EntryDeps, type EntryResult } from './entry.ts';

export interface PipelineDeps extends EntryDeps {
  /** Write the stored events' journey triggers to the outbox. Off for bulk imports and replays of history. */
  startJourneys?: boolean;
  metrics?: Metrics;
}

export interface PipelineOutcome {
  results: EntryResult[];
  accepted: number;
  duplicates: number;
  failed: { index: number; error: string }[];
  /** Journey triggers written to the outbox with the events; the dispatcher fires them. */
  triggersQueued: number;
}

/**
 * Stores events through the entry path and, in the same transaction, queues the journey triggers of
 * the stored ones in the outbox (journeys/outbox.ts). Nothing here waits for Temporal: a journey that
 * cannot be reached now is reached when the dispatcher's retry gets through.
 */
export async function ingestEvents(deps: PipelineDeps, shopId: string, source: string, events: CanonicalEvent[]): Promise<PipelineOutcome> {
  const queued = { n: 0 };
  const results = await applyEvents(deps, shopId, source, events, deps.startJourneys ? queueTriggersOf(shopId, source, queued) : undefined);
  return summarise(deps, source, results, queued.n);
}

/** The step after storing live traffic: the stored events' journey triggers, written to the outbox in their transaction. */
export const queueTriggersOf = (shopId: string, source: string, queued: { n: number }): AfterStore => async (tx, stored) => {
  const triggers: JourneyTrigger[] = stored.flatMap((r) => (r.ok ? triggersFor(shopId, source, r.effect) : []));
  queued.n = await enqueueTriggers(tx, triggers);
};

/** Counts what the entry path made of a batch (and meters the stored events). */
export function summarise(deps: Pick<PipelineDeps, 'metrics'>, source: string, results: EntryResult[], triggersQueued: number): PipelineOutcome {
  const outcome: PipelineOutcome = { results, accepted: 0, duplicates: 0, failed: [], triggersQueued };
  for (const [index, r] of results.entries()) {
    if (!r.ok) outcome.failed.push({ index, error: r.error });
    else if (r.effect.duplicate) outcome.duplicates++;
    else {
      outcome.accepted++;
      deps.metrics?.eventsIngested.inc({ source, type: r.effect.event.type });
    }
  }
  return outcome;
}
