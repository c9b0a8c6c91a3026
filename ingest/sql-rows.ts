import type { SQL } from 'drizzle-orm';
import type { Tx } from './identity.ts';

/** Rows of a raw statement, whichever driver ran it (postgres.js gives an array, PGlite an object). */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []));

// Set-wise look-ups by a list of keys are written as one index probe per key:
//   from jsonb_array_elements_text($keys) as k(key) cross join lateral (select ... where col = k.key offset 0) x
// `offset 0` keeps the sub-select from being flattened into a join, so the plan does not depend on
// table statistics: `col = any(array(...))` and plain joins were planned as a scan of the whole shop's
// rows on a table not yet analysed (50 ms per request at 20k events instead of 1 ms).

/** Runs a raw statement of the ingest path and returns its rows, whichever driver runs it. */
export const run = async <T = Record<string, unknown>>(tx: Tx, query: SQL): Promise<T[]> => rowsOf<T>(await tx.execute(query));
