import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockPgliteDir } from './pglite-lock.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Runs raw SQL and returns its rows, whichever driver is underneath. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface DatabaseOptions {
  /** postgres:// URL; without it an embedded PGlite database is used. */
  url?: string | undefined;
  /** Folder for PGlite's files; omitted means in memory (tests). */
  dataDir?: string | undefined;
  /** postgres.js pool size. */
  max?: number;
  /**
   * The connections' application_name, as pg_stat_activity and the server's logs show them (which process
   * a backend serves). PGAPPNAME, when set, wins; without either: nextbest.
   */
  applicationName?: string | undefined;
}

/**
 * postgres.js settings for a database that may go away and come back (restart, failover, outage).
 * - backoff: the pool's wait before reconnecting after a failed connection. The library's default
 *   grows as 3^n/100 s up to 20 s, shared by the pool, so after a few refused connections every
 *   query waited up to 20 s just to learn Postgres was down (ingest answered 503 that late, or the
 *   sender gave up first), and the first query after Postgres returned waited as long. Capped at 1 s.
 * - connect_timeout: a host that drops packets instead of refusing holds a request this long
 *   (library default 30 s) before it is answered 503.
 * - plan_cache_mode force_custom_plan: the ingest path's statements are prepared once per connection
 *   (ingest/sql-rows.ts). After five runs Postgres keeps a generic plan for the connection's life, made
 *   for the table sizes of that moment. On a new database, or one that autovacuum does not analyse, that
 *   moment is when `events` is nearly empty: the queue's "is this event stored?" probe was planned on
 *   events_occurred_idx (shop_id only) and then read every event of the shop for each queued event,
 *   200-event inserts taking up to 818 ms instead of 2 ms once the shop had 6,500 events (one bench run in
 *   three). A custom plan is made with each run's table sizes; planning the queue insert costs ~0.06 ms.
 */
export const POSTGRES_CONNECTION = {
  backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1) * (0.5 + Math.random() / 2),
  connect_timeout: 10,
  connection: { plan_cache_mode: 'force_custom_plan' },
} as const;

/**
 * postgres.js 3.4.9 crashes the process when a transaction's connection closes mid-query (a TypeError
 * thrown from a setImmediate; upstream porsager/postgres#1208). scripts/patch-postgres.mjs fixes the
 * installed copy (npm's postinstall runs it); without it a Postgres outage would kill the API and
 * workers, so a connection is refused with the command to run.
 */
function assertPostgresPatched(): void {
  const file = fileURLToPath(new URL('./connection.js', import.meta.resolve('postgres')));
  if (!readFileSync(file, 'utf8').includes('porsager/postgres#1208')) {
    throw new Error(`${file} lacks nextbest's fix for a crash when Postgres goes away (porsager/postgres#1208): run node scripts/patch-postgres.mjs (npm ci runs it as postinstall)`);
  }
}

/** The one place a database connection is made: postgres.js when a URL is given, otherwise PGlite. */
export function createDatabase(options: DatabaseOptions = {}): Database {
  if (options.url) {
    assertPostgresPatched();
    const application_name = process.env.PGAPPNAME || options.applicationName || 'nextbest';
    const client = postgres(options.url, { max: options.max ?? 10, onnotice: () => {}, ...POSTGRES_CONNECTION, connection: { ...POSTGRES_CONNECTION.connection, application_name } });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      rows: async <T>(query: SQL) => (await db.execute(query)) as unknown as T[],
      migrate: () => migratePostgres(db as never, { migrationsFolder }),
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const unlock = options.dataDir ? lockPgliteDir(options.dataDir) : () => {};
  const client = new PGlite(options.dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    rows: async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

export { schema };
