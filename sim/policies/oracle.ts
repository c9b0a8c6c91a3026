// The upper limit: knows each customer's hidden preferences (not the dice) and picks, per touch of the
// cart's journey, the channel, local hour start and tier with the highest true expected incremental
// margin, or nothing. Any tier up to 15 % on any touch: the journey's allowance (none on the first touch)
// binds the product, not the upper limit.
// It is myopic: it does not price the future cost of an unsubscribe or of discount fatigue.

import type { DiscountTier } from '../../models/index.ts';
import { inQuiet, wallClock } from '../clock.ts';
import { SHOP_QUIET } from '../journey.ts';
import type { Policy } from '../policy.ts';
import { expectedIncrementalMargin, type SendAction } from '../response.ts';

const HOUR_MS = 3_600_000;
const QUARTER_MS = HOUR_MS / 4;

export function oracle(tiers: readonly DiscountTier[] = [0, 5, 10, 15]): Policy {
  return {
    name: 'oracle',
    decide(ctx) {
      const { customer, exposure } = ctx.truth;
      let best: SendAction | null = null;
      let bestValue = 0;
      // The decision instant, then every local hour start in the window (zones with half-hour offsets too).
      for (let t = ctx.decideAtMs; t <= ctx.windowEndMs; t = t === ctx.decideAtMs ? Math.ceil((t + 1) / QUARTER_MS) * QUARTER_MS : t + QUARTER_MS) {
        const local = wallClock(ctx.timeZone, t);
        if (t !== ctx.decideAtMs && local.minute !== 0) continue;
        if (inQuiet(local.minuteOfDay, SHOP_QUIET.startMinute, SHOP_QUIET.endMinute)) continue;
        for (const channel of ctx.eligible) {
          for (const tier of tiers) {
            const a = { channel, sendAtMs: t, tier };
            const v = expectedIncrementalMargin(customer, ctx.cart, a, exposure, local.hourOfWeek);
            if (v > bestValue) [best, bestValue] = [a, v];
          }
        }
      }
      return best;
    },
  };
}
