import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';

/** What the client side of journeys (starting and signalling them) needs. */
export interface JourneyClientDeps {
  temporal: Client;
  database: Database;
  taskQueue: string;
  timeScale: number;
  logger: Logger;
  metrics: Metrics;
}
