import { and, count, countDistinct, inArray, like } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { events } from '../db/schema.ts';
import { triggerOutbox } from '../db/schema-ingest.ts';
import type { FaultShop } from './journey-run.ts';
import { bump, postJson, type Tally } from './load.ts';

// A burst: `total` events offered within `durationMs`, each sent once. Every one must come back
// accepted (202/200) or refused with 429/503; anything else (a 500, a dropped connection) is a loss.

export interface BurstResult {
  offered: number;
  accepted: number;
  refused: number;
  dropped: number;
  stored: number;
  /** Event rows beyond one per event ID (the unique index should make this 0). */
  duplicated: number;
  statuses: Tally;
  seconds: number;
}

export async function runBurst(apiUrl: string, db: Db, shops: FaultShop[], total: number, durationMs: number, run: string, concurrency = 200): Promise<BurstResult> {
  const statuses: Tally = new Map();
  const started = Date.now();
  let next = 0;
  let accepted = 0;
  let refused = 0;
  let dropped = 0;
  const acceptedByShop = new Map<string, number>();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      // Pace: event i is not offered before its slot in the window.
      const slot = started + (i / total) * durationMs;
      if (slot > Date.now()) await new Promise((r) => setTimeout(r, slot - Date.now()));
      const shop = shops[i % shops.length]!;
      const answer = await postJson(`${apiUrl}/v1/events`, shop.apiKey, {
        type: 'product_viewed', eventId: `burst-${run}-${i}`, occurredAt: new Date().toISOString(),
        customer: { userId: `u-${run}-${i % 997}` }, productId: i % 2 ? 'sku-tea' : 'sku-pot',
      }, 60_000);
      bump(statuses, String(answer.status));
      if (answer.status === 202 || answer.status === 200) {
        accepted++;
        bump(acceptedByShop, shop.shopId);
      } else if ((answer.status === 429 || answer.status === 503) && answer.retryAfter !== null) refused++;
      else dropped++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (Date.now() - started) / 1000;
  const [row] = await db.select({ n: count(), distinct: countDistinct(events.sourceEventId) }).from(events)
    .where(and(inArray(events.shopId, shops.map((s) => s.shopId)), like(events.sourceEventId, `burst-${run}-%`)));
  return { offered: total, accepted, refused, dropped, stored: row?.n ?? 0, duplicated: (row?.n ?? 0) - (row?.distinct ?? 0), statuses, seconds };
}

/** Triggers still waiting to fire (an accepted event whose journeys were never started or signalled). */
export async function pendingTriggers(db: Db, shops: FaultShop[]): Promise<number> {
  const [row] = await db.select({ n: count() }).from(triggerOutbox)
    .where(and(inArray(triggerOutbox.shopId, shops.map((s) => s.shopId)), inArray(triggerOutbox.status, ['pending', 'firing'])));
  return row?.n ?? 0;
}
