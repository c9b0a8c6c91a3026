import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// The app's own counters. Temporal's worker metrics come from the SDK runtime's Prometheus exporter
// and are appended to the same /metrics page (see api/routes/metrics.ts).
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nextbest_' });
  return {
    registry,
    eventsIngested: new Counter({ name: 'nextbest_events_ingested_total', help: 'Events accepted, by source and type', labelNames: ['source', 'type'], registers: [registry] }),
    eventsRejected: new Counter({ name: 'nextbest_events_rejected_total', help: 'Payloads rejected, by source and HTTP status', labelNames: ['source', 'status'], registers: [registry] }),
    journeysStarted: new Counter({ name: 'nextbest_journeys_signalled_total', help: 'Journeys started or signalled, by journey and signal', labelNames: ['journey', 'signal'], registers: [registry] }),
    dispatches: new Counter({ name: 'nextbest_dispatches_total', help: 'Messages dispatched, by channel and status', labelNames: ['channel', 'status'], registers: [registry] }),
    outcomes: new Counter({ name: 'nextbest_outcomes_total', help: 'Journey outcomes, by kind', labelNames: ['kind'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'nextbest_http_request_seconds', help: 'HTTP request duration', labelNames: ['route', 'status'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
