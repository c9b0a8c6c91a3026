import type { BrowseAbandonInput } from '../workflows/browse-abandon.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startJourney, WorkflowIdReusePolicy, type FireRound } from './start.ts';
import { journeyTiming } from './timing.ts';

export interface ProductDwell {
  shopId: string;
  customerId: string;
  productId: string;
  at: Date;
}

/** The ISO week of an instant, e.g. "2026w47": a customer hears about a product at most once a week. */
export function isoWeek(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
  const week = Math.ceil(((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}w${String(week).padStart(2, '0')}`;
}

/**
 * A long look at a product. The trigger key is the product and the ISO week: another long view while
 * the journey runs restarts its quiet period (one journey), and once it ended the product is not
 * brought up again that week (REJECT_DUPLICATE).
 */
export function startBrowseAbandon(deps: JourneyClientDeps, dwell: ProductDwell, round?: FireRound): Promise<string | null> {
  const input: BrowseAbandonInput = { version: 1, shopId: dwell.shopId, customerId: dwell.customerId, productId: dwell.productId, timing: journeyTiming('browse-abandon', deps.timeScale) };
  return startJourney(deps, {
    journey: 'browse-abandon', shopId: dwell.shopId, customerId: dwell.customerId, triggerKey: `${dwell.productId}.${isoWeek(dwell.at)}`, input,
    reusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  }, round);
}
