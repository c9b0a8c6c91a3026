// The sending side of a fault run: an HTTP client that behaves like a well-mannered platform (it
// resends a refused event after Retry-After) and a tally of every answer, so nothing can go missing
// between "sent" and "counted".

export type Tally = Map<string, number>;

export const bump = (tally: Tally, key: string, by = 1) => tally.set(key, (tally.get(key) ?? 0) + by);
export const tallyText = (tally: Tally) => [...tally.entries()].sort().map(([k, v]) => `${k}:${v}`).join(' ') || '-';

export interface Answer {
  status: number;
  retryAfter: string | null;
  json: Record<string, unknown> | null;
}

/** One POST; a network failure is answered as status 0 so callers count it rather than crash. */
export async function postJson(url: string, apiKey: string, body: unknown, timeoutMs = 30_000): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after'), json };
  } catch {
    return { status: 0, retryAfter: null, json: null };
  }
}

/**
 * Sends an event until it is stored (202) or known (200 duplicate), waiting Retry-After after a 429
 * or 503 and a second after a network error. Every answer on the way is tallied.
 */
export async function deliver(url: string, apiKey: string, body: unknown, tally: Tally, deadline: number): Promise<Answer> {
  for (;;) {
    const answer = await postJson(url, apiKey, body);
    bump(tally, String(answer.status));
    if (answer.status === 503 || answer.status === 429) {
      if (answer.retryAfter === null) bump(tally, 'no_retry_after');
    }
    if (answer.status === 200 || answer.status === 202 || (answer.status >= 400 && answer.status < 500 && answer.status !== 429)) return answer;
    if (Date.now() > deadline) return answer;
    const waitS = Number(answer.retryAfter ?? '1');
    await new Promise((r) => setTimeout(r, Math.max(0.2, Number.isFinite(waitS) ? waitS : 1) * 1000 * (0.5 + Math.random())));
  }
}

/** Runs `task` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
}
