import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import type { QueueProcessor } from '../ingest/queue-processor.ts';
import type { Config } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { PiiCipher } from '../lib/pii.ts';

/** Everything the HTTP API needs, passed in explicitly. */
export interface ApiContext {
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'JOURNEY_TIME_SCALE' | 'WORKER_METRICS_PORT'>;
  database: Database;
  temporal: Client;
  cipher: PiiCipher;
  logger: Logger;
  metrics: Metrics;
  /**
   * The processor storing the events the Segment endpoints queue (ingest/queue-processor.ts): nudged after
   * each request, and asked whether the queue is over its limit. Without one, queued events wait for
   * whichever process runs a processor (tests drain the queue themselves).
   */
  ingestQueue?: Pick<QueueProcessor, 'nudge'> & { overloaded(): boolean };
  /** Where Temporal's own worker metrics are served, to be appended to /metrics (optional). */
  temporalMetricsUrl?: string;
}
