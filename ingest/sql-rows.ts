import { entityKind, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from './identity.ts';

/** Rows of a raw statement, whichever driver ran it (postgres.js gives an array, PGlite an object). */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []));

// Set-wise look-ups by a list of keys are written as one index probe per key:
//   from jsonb_array_elements_text($keys) as k(key) cross join lateral (select ... where col = k.key offset 0) x
// `offset 0` keeps the sub-select from being flattened into a join, so the plan does not depend on
// table statistics: `col = any(array(...))` and plain joins were planned as a scan of the whole shop's
// rows on a table not yet analysed (50 ms per request at 20k events instead of 1 ms).

// Statements run here are prepared once per connection and then only bound and executed. drizzle's
// `execute` runs raw SQL unnamed (postgres.js prepare: false), which postgres.js sends as Parse +
// Describe, waits for the parameter types, then Bind + Execute: two round trips and a parse and plan
// per statement. The statements here have a fixed text (lists travel as one jsonb parameter), so the
// cache of named statements per connection stays small.
interface DrizzleInternals {
  session?: { constructor: Record<symbol, unknown>; prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
  dialect?: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}
const preparedRunner = (tx: Tx) => {
  const { session, dialect } = tx as unknown as DrizzleInternals;
  return session && dialect && session.constructor[entityKind] === 'PostgresJsSession' ? { session, dialect } : undefined;
};

/**
 * Runs a raw statement of the ingest path (or the outbox's) and returns its rows, whichever driver runs
 * it; on Postgres as a named prepared statement. Only for statements whose text does not depend on the
 * data (each distinct text stays prepared on every connection).
 */
export const run = async <T = Record<string, unknown>>(tx: Tx | Db, query: SQL): Promise<T[]> => {
  const prepared = preparedRunner(tx as Tx);
  if (!prepared) return rowsOf<T>(await (tx as Tx).execute(query));
  return rowsOf<T>(await prepared.session.prepareQuery(prepared.dialect.sqlToQuery(query), undefined, 'ingest', false).execute());
};

/** A look-up: a query that only reads (its rows may be locked). */
export type Reader = <T>(query: SQL) => Promise<T[]>;

/**
 * A Reader that gathers the look-ups made in the same tick into one statement (`union all` of their
 * rows as jsonb, in the order made): the planners of a request read carts, views, orders and consents
 * in one round trip. Values come back as JSON: timestamps as ISO strings, bigints as numbers.
 */
export function gatheredReads(tx: Tx): Reader {
  let pending: { query: SQL; resolve: (rows: unknown[]) => void; reject: (error: unknown) => void }[] = [];
  const flush = async () => {
    const mine = pending;
    pending = [];
    try {
      const union = sql.join(mine.map((p, i) => sql`select ${sql.raw(String(i))} as q, to_jsonb(x) as r from (${p.query}) x`), sql` union all `);
      const rows = await run<{ q: number; r: unknown }>(tx, union);
      mine.forEach((p, i) => p.resolve(rows.filter((row) => row.q === i).map((row) => row.r)));
    } catch (error) {
      for (const p of mine) p.reject(error);
    }
  };
  return <T>(query: SQL) => new Promise<T[]>((resolve, reject) => {
    if (pending.length === 0) queueMicrotask(() => void flush());
    pending.push({ query, resolve: resolve as (rows: unknown[]) => void, reject });
  });
}
