import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import { rejectedPayloads, shops } from '../db/schema.ts';
import { piiLookupHashes, type PiiCipher } from '../lib/pii.ts';
import type { AdapterResult } from './adapter.ts';
import { canonicalEvent } from './canonical.ts';
import { zodFieldErrors } from './adapter.ts';
import type { EntryDeps } from './entry.ts';
import { ingestEvents } from './pipeline.ts';
import { QUEUED_ENDPOINT } from './queue-processor.ts';
import { segmentBatchToCanonical, segmentToCanonical } from './segment.ts';
import { shopifyToCanonical } from './shopify.ts';
import { wooToCanonical } from './woocommerce.ts';

type Rejected = typeof rejectedPayloads.$inferSelect;

/** A kept payload's raw body: decrypted (kept since bodies are encrypted), or as stored (kept before, until `rejected encrypt`). */
export function rejectedBody(cipher: PiiCipher, row: Pick<Rejected, 'body' | 'bodyEncrypted'>): string {
  return row.bodyEncrypted ? cipher.decrypt(row.body) : row.body;
}

/**
 * Encrypts the bodies of payloads kept before bodies were encrypted (and records the look-up hashes an
 * erase finds them by), a batch at a time; returns how many rows it encrypted.
 */
export async function encryptLegacyRejections(deps: Pick<EntryDeps, 'database' | 'cipher'>, batch = 500): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await deps.database.db.select({ id: rejectedPayloads.id, body: rejectedPayloads.body }).from(rejectedPayloads)
      .where(eq(rejectedPayloads.bodyEncrypted, false)).orderBy(asc(rejectedPayloads.id)).limit(batch);
    if (!rows.length) return done;
    for (const row of rows) {
      await deps.database.db.update(rejectedPayloads)
        .set({ body: deps.cipher.encrypt(row.body), bodyEncrypted: true, piiHashes: piiLookupHashes(deps.cipher, row.body) })
        .where(and(eq(rejectedPayloads.id, row.id), eq(rejectedPayloads.bodyEncrypted, false)));
    }
    done += rows.length;
  }
}

export interface ReplayOutcome {
  id: number;
  status: 'stored' | 'duplicate' | 'still_rejected' | 'skipped';
  detail: string;
}

/** What the endpoint a payload was sent to makes of it now (after a fix to an adapter or the shop's setup). */
function adapt(row: Rejected, body: unknown, currency: string): { source: string; result: AdapterResult } | null {
  const path = row.endpoint.split('?')[0] ?? '';
  const options = { shopCurrency: currency };
  if (path === '/v1/track' || path === '/v1/identify') return { source: 'segment', result: segmentToCanonical(path === '/v1/track' ? 'track' : 'identify', body, options) };
  if (path === '/v1/batch') {
    const b = segmentBatchToCanonical(body, options);
    if (!b.ok) return { source: 'segment', result: b };
    // Replaying a batch: the good messages are duplicates by now, the fixed ones are stored.
    const errors = b.items.flatMap((i) => (i.result.ok ? [] : i.result.errors));
    return { source: 'segment', result: errors.length ? { ok: false, errors } : { ok: true, events: b.items.flatMap((i) => (i.result.ok ? i.result.events : [])) } };
  }
  if (path.startsWith('/v1/webhooks/shopify/')) return { source: 'shopify', result: shopifyToCanonical(row.headers['x-shopify-topic'] ?? '(missing)', body, options) };
  if (path.startsWith('/v1/webhooks/woocommerce/')) return { source: 'woocommerce', result: wooToCanonical(row.headers['x-wc-webhook-topic'] ?? '(missing)', body, options) };
  if (path === '/v1/events' || path === QUEUED_ENDPOINT) {
    // A queued event the entry path refused is kept as its canonical event, with the source it came from.
    const parsed = canonicalEvent.safeParse(body);
    return { source: path === QUEUED_ENDPOINT ? row.source : 'api', result: parsed.success ? { ok: true, events: [parsed.data] } : { ok: false, errors: zodFieldErrors(parsed.error) } };
  }
  return null;
}

/**
 * Runs a kept payload through today's adapter and the entry path. Payloads refused for their signature
 * (401) were never shown to be genuine and are replayed only when `trustUnsigned` is set. Replays do
 * not start journeys: the moment has passed; the records (orders, consents, stock) are what matter.
 */
export async function replayRejected(deps: EntryDeps, row: Rejected, options: { trustUnsigned?: boolean } = {}): Promise<ReplayOutcome> {
  const skip = (detail: string): ReplayOutcome => ({ id: row.id, status: 'skipped', detail });
  if (row.replayedAt) return skip('already replayed');
  // A webhook delivery id seen before (answered 200, kept as a replay): processing it is what was refused.
  if (row.status === 200) return skip('a repeated webhook delivery, acknowledged and deliberately not processed; nothing to replay');
  if ((row.status === 401 || row.status === 403) && !options.trustUnsigned) return skip('refused for its signature or key; pass --trust-unsigned to replay it anyway');
  const shopId = row.shopId ?? /\/v1\/webhooks\/[a-z]+\/([^/?]+)/.exec(row.endpoint)?.[1];
  if (!shopId) return skip('no shop is known for this payload');
  const [shop] = await deps.database.db.select({ currency: shops.currency }).from(shops).where(eq(shops.id, shopId));
  if (!shop) return skip(`shop "${shopId}" does not exist`);
  let text: string;
  try {
    text = rejectedBody(deps.cipher, row);
  } catch (error) {
    return { id: row.id, status: 'still_rejected', detail: `the kept body cannot be decrypted with this PII_ENCRYPTION_KEY: ${(error as Error).message}` };
  }
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch (error) {
    return { id: row.id, status: 'still_rejected', detail: `body is not valid JSON: ${(error as Error).message}` };
  }
  const adapted = adapt(row, body, shop.currency);
  if (!adapted) return skip(`no adapter for ${row.endpoint}`);
  if (!adapted.result.ok) return { id: row.id, status: 'still_rejected', detail: adapted.result.errors.map((e) => `${e.field}: ${e.message}`).join('; ') };
  const outcome = await ingestEvents(deps, shopId, adapted.source, adapted.result.events);
  if (outcome.failed.length) return { id: row.id, status: 'still_rejected', detail: outcome.failed.map((f) => f.error).join('; ') };
  await deps.database.db.update(rejectedPayloads).set({ replayedAt: new Date() }).where(eq(rejectedPayloads.id, row.id));
  return { id: row.id, status: outcome.accepted ? 'stored' : 'duplicate', detail: `${outcome.accepted} stored, ${outcome.duplicates} duplicate` };
}

/** Kept payloads not yet replayed, oldest first (not oversize ones, nor repeated deliveries acknowledged without processing). */
export function pendingRejections(deps: EntryDeps, filter: { shopId?: string; source?: string; limit?: number } = {}) {
  return deps.database.db
    .select()
    .from(rejectedPayloads)
    .where(and(isNull(rejectedPayloads.replayedAt), ne(rejectedPayloads.status, 413), ne(rejectedPayloads.status, 200),
      ...(filter.shopId ? [eq(rejectedPayloads.shopId, filter.shopId)] : []), ...(filter.source ? [eq(rejectedPayloads.source, filter.source)] : [])))
    .orderBy(asc(rejectedPayloads.id))
    .limit(filter.limit ?? 100);
}
