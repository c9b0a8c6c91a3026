import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
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
  /** Where Temporal's own worker metrics are served, to be appended to /metrics (optional). */
  temporalMetricsUrl?: string;
}
