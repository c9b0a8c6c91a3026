import type { Database } from '../db/client.ts';
import type { JourneyClientDeps } from '../journeys/deps.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { PiiCipher } from '../lib/pii.ts';

/** What activities need from the outside world, passed in explicitly (tests pass their own). */
export interface ActivityDeps {
  database: Database;
  logger: Logger;
  metrics: Metrics;
  cipher: PiiCipher;
  outboxDir: string;
  /** 1 in production; below 1 compresses the waits decide chooses (demo mode). */
  timeScale: number;
  now?: () => Date;
  /** For activities that start or signal journeys themselves (the stage sweep starts win-backs). */
  journeys?: JourneyClientDeps;
}
