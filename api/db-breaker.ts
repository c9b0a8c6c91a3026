import { sql } from 'drizzle-orm';
import { isDatabaseUnavailable } from '../ingest/errors.ts';
import type { ApiContext } from './context.ts';

// While Postgres is away the ingest routes answer 503 at once instead of queueing in the pool.
// postgres.js fails a waiting query only when a connection attempt for it fails, one query per attempt
// and connection, with up to 1 s backoff between attempts (db/client.ts). Under a steady stream of
// requests the pool's queue grew, and a sender waited 7-10 s to hear 503. So the first request that finds
// the database unavailable opens the breaker: later requests get 503 without touching the pool, and one
// probe (`select 1`) every PROBE_MS finds out when Postgres is back, which closes it again.

export const PROBE_MS = 500;

export interface DatabaseBreaker {
  /** True while the database is known to be unreachable: refuse without trying it. */
  readonly open: boolean;
  /** A request found the database unavailable: open the breaker (no-op when open already). */
  trip(error: unknown): void;
}

const breakers = new WeakMap<ApiContext, DatabaseBreaker>();

/** The one breaker of an API instance, shared by all its routes. */
export function databaseBreaker(ctx: ApiContext): DatabaseBreaker {
  let breaker = breakers.get(ctx);
  if (!breaker) breakers.set(ctx, (breaker = createBreaker(ctx)));
  return breaker;
}

function createBreaker(ctx: ApiContext): DatabaseBreaker {
  let openedAt: number | null = null;
  const probe = async () => {
    try {
      await ctx.database.rows(sql`select 1`);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) ctx.logger.warn({ err: error }, 'database probe failed with an unexpected error; probing on');
      setTimeout(() => void probe(), PROBE_MS).unref();
      return;
    }
    ctx.logger.info({ unavailableMs: Date.now() - (openedAt ?? Date.now()) }, 'database reachable again: requests go through');
    openedAt = null;
  };
  return {
    get open() {
      return openedAt !== null;
    },
    trip(error) {
      if (openedAt !== null) return;
      openedAt = Date.now();
      ctx.logger.warn({ err: error }, `database unavailable: ingest answers 503 at once, probing every ${PROBE_MS} ms`);
      setTimeout(() => void probe(), PROBE_MS).unref();
    },
  };
}
