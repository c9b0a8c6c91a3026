// The fast path's cart-abandon journey: the same steps, timings and re-check rules as
// workflows/cart-abandon.ts on the kernel, run in-process. Timings and caps are imported from the
// product (journeys/timing.ts, activities/recheck.ts, lib/local-time.ts), not copied.

import { FREQUENCY_CAP_MS } from '../activities/recheck.ts';
import { DEFAULT_TIMING } from '../journeys/timing.ts';
import { inQuietHours, localMinuteOfDay, nextAllowedInstant } from '../lib/local-time.ts';
import type { DiscountTier, PersonChannel } from '../models/index.ts';
import { CART_SECOND_TOUCH_MAX_DISCOUNT } from '../workflows/types.ts';

export const CART_TIMING = DEFAULT_TIMING['cart-abandon'];
/** How long after its first touch ended the cart journey makes its second (0: it has none). */
export const CART_SECOND_TOUCH_DELAY_MS = CART_TIMING.secondTouchDelayMs ?? 0;
/** workflows/cart-abandon.ts: the first touch offers no discount, the second up to this tier. */
export const CART_SECOND_TOUCH_MAX_TIER = CART_SECOND_TOUCH_MAX_DISCOUNT as DiscountTier;
/** The shops table's default quiet hours (21:00–08:00 local), which the re-check applies. */
export const SHOP_QUIET = { startMinute: 21 * 60, endMinute: 8 * 60 } as const;
/** The kernel's MAX_DEFERRALS: a send pushed past quiet hours or a cap more often than this is skipped. */
export const MAX_DEFERRALS = 3;

export type PriorSend = { atMs: number; channel: PersonChannel };

export type RecheckVerdict = { ok: true; atMs: number; deferrals: number } | { ok: false; reason: 'frequency_cap' | 'quiet_hours'; deferrals: number; lastCheckMs: number };

/**
 * The kernel's sleep → re-check loop for deferrable reasons: a cap pushes the send to when the cap
 * ends, quiet hours push it to their end, at most MAX_DEFERRALS times. The caller checks conversion and
 * consent itself, since they depend on the world.
 */
export function recheckSendTime(atMs: number, channel: PersonChannel, timeZone: string, sends: readonly PriorSend[]): RecheckVerdict {
  let t = atMs;
  for (let deferrals = 0; ; deferrals++) {
    const reason = deferral(t, channel, timeZone, sends);
    if (!reason) return { ok: true, atMs: t, deferrals };
    if (deferrals >= MAX_DEFERRALS) return { ok: false, reason: reason.reason, deferrals, lastCheckMs: t };
    t = reason.retryAtMs;
  }
}

function deferral(t: number, channel: PersonChannel, timeZone: string, sends: readonly PriorSend[]) {
  const cap = FREQUENCY_CAP_MS[channel];
  if (cap) {
    // Sends already scheduled by an overlapping journey count whichever side of t they fall on.
    let last = -Infinity;
    for (const s of sends) if (s.channel === channel && Math.abs(s.atMs - t) < cap && s.atMs > last) last = s.atMs;
    if (last > -Infinity) return { reason: 'frequency_cap' as const, retryAtMs: last + cap };
  }
  const at = new Date(t);
  if (inQuietHours(localMinuteOfDay(at, timeZone), SHOP_QUIET.startMinute, SHOP_QUIET.endMinute)) {
    return { reason: 'quiet_hours' as const, retryAtMs: nextAllowedInstant(at, timeZone, SHOP_QUIET.startMinute, SHOP_QUIET.endMinute).getTime() };
  }
  return null;
}
