import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { and, eq, gte, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { customers, dispatches, outcomes } from '../db/schema.ts';

export interface BidMultiplier {
  segment: string;
  multiplier: number;
  /** Posterior mean conversion rate per send in the segment. */
  conversionRate: number;
  sends: number;
  conversions: number;
}

/** How many sends' worth the shop-wide rate counts as, so a small segment is not over-read. */
const PRIOR_STRENGTH = 20;
const MIN_MULTIPLIER = 0.5;
const MAX_MULTIPLIER = 2;

/**
 * Bid multipliers per lifecycle segment for ad platforms: each segment's conversion rate per send
 * (shrunk toward the shop's rate) relative to the shop's rate, clamped to [0.5, 2].
 */
export async function bidMultipliers(db: Db, shopId: string, since: Date): Promise<BidMultiplier[]> {
  const rows = await db
    .select({
      segment: customers.stage,
      sends: sql<number>`count(distinct ${dispatches.id})::int`,
      conversions: sql<number>`count(distinct ${outcomes.id})::int`,
    })
    .from(dispatches)
    .innerJoin(customers, eq(customers.id, dispatches.customerId))
    .leftJoin(outcomes, and(eq(outcomes.dispatchId, dispatches.id), eq(outcomes.kind, 'converted')))
    .where(and(eq(dispatches.shopId, shopId), isNotNull(dispatches.sentAt), gte(dispatches.sentAt, since)))
    .groupBy(customers.stage);
  const sends = rows.reduce((s, r) => s + r.sends, 0);
  const conversions = rows.reduce((s, r) => s + r.conversions, 0);
  if (sends === 0) return [];
  const shopRate = (conversions + 1) / (sends + 2);
  return rows
    .map((r) => {
      const rate = (r.conversions + PRIOR_STRENGTH * shopRate) / (r.sends + PRIOR_STRENGTH);
      const multiplier = Math.min(MAX_MULTIPLIER, Math.max(MIN_MULTIPLIER, rate / shopRate));
      return { segment: r.segment, multiplier: Math.round(multiplier * 100) / 100, conversionRate: Math.round(rate * 10_000) / 10_000, sends: r.sends, conversions: r.conversions };
    })
    .sort((a, b) => a.segment.localeCompare(b.segment));
}

export async function writeBidFile(path: string, bids: BidMultiplier[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const lines = ['segment,bid_multiplier,conversion_rate,sends,conversions', ...bids.map((b) => `${b.segment},${b.multiplier},${b.conversionRate},${b.sends},${b.conversions}`)];
  await writeFile(path, `${lines.join('\n')}\n`);
}
