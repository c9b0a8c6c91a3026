/** A refusal a sender can act on: kept as a rejection with this message, never a 500. */
export class IngestError extends Error {
  override name = 'IngestError';
}

// Database errors as the entry path needs to tell them apart. Drivers wrap them (drizzle puts the
// driver's error in `cause`), so the whole chain is looked at.
type Link = { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
const chain = (error: unknown): Link[] => {
  const out: Link[] = [];
  for (let e = error as Link | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as Link | undefined, depth++) out.push(e);
  return out;
};

/** SQLSTATEs and driver codes meaning "the database cannot be reached or cannot take work now". */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECTION_CLOSED', 'CONNECTION_ENDED',
  'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);

export const isDatabaseUnavailable = (error: unknown): boolean =>
  chain(error).some((e) => UNAVAILABLE.has(String(e.code)) || /connection (terminated|closed|refused)|PGlite is closed/i.test(String(e.message ?? '')));

/** A unique index refused a row (SQLSTATE 23505), optionally a named one. */
export const isUniqueViolation = (error: unknown, constraint?: string): boolean =>
  chain(error).some((e) => {
    if (e.code !== '23505') return false;
    // postgres.js names the index `constraint_name`, PGlite `constraint`.
    const named = e as { constraint_name?: unknown; constraint?: unknown };
    return constraint === undefined || (named.constraint_name ?? named.constraint) === constraint;
  });

/** A deadlock, a serialisation failure, or a visitor created by a concurrent request: run the transaction again. */
export const isRetryable = (error: unknown): boolean =>
  chain(error).some((e) => e.code === '40P01' || e.code === '40001' || e.name === 'IdentityRace' || e.name === 'ConcurrentWrite');

/** A row this request means to create was created by a concurrent request meanwhile: the caller runs the transaction again. */
export class ConcurrentWrite extends Error {
  override name = 'ConcurrentWrite';
}

/** The database is unavailable: the request is refused with 503 and Retry-After, nothing was stored. */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}
