const DAY_MS = 86_400_000;

export interface Period {
  from: Date;
  to: Date;
}

/** A request's `from`/`to` (ISO dates or instants); by default the 30 days up to now. */
export function parsePeriod(query: { from?: string | undefined; to?: string | undefined }, now = new Date()): Period {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (Number.isNaN(value.getTime())) throw Object.assign(new Error(`"${name}" must be an ISO date such as 2026-05-01 (got "${query[name]}")`), { statusCode: 400, code: 'invalid_period' });
  }
  if (from >= to) throw Object.assign(new Error('"from" must be before "to"'), { statusCode: 400, code: 'invalid_period' });
  if (to.getTime() - from.getTime() > 400 * DAY_MS) throw Object.assign(new Error('a period may span at most 400 days'), { statusCode: 400, code: 'invalid_period' });
  return { from, to };
}
