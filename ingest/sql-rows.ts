/** Rows of a raw statement, whichever driver ran it (postgres.js gives an array, PGlite an object). */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []));
