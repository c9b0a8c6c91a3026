// Glue between the stored state and the send-time model: one customer's curve for one channel, and
// the instant chosen from it.

import type { CustomerModelState, ShopModelState } from '../state.ts';
import type { PersonChannel, TimeWindow } from '../types.ts';
import { chooseSendTime, type SendTimeResult } from './choose.ts';
import { sendTimeCurve } from './curve.ts';

export function customerCurve(
  customer: CustomerModelState,
  shop: ShopModelState,
  channel: PersonChannel,
  nowMs: number,
): { curve: Float64Array; evidence: number } {
  const habit = shop.sendTime.siteHabit;
  const siteWeight = shop.sendTime.siteActivityWeight;
  return sendTimeCurve({
    own: customer.sendTime[channel],
    site: customer.siteActivity,
    // The habit's strength is in visits; a visit weighs siteWeight in the curve, so the prior does too.
    priorStrength: habit ? habit.strength * siteWeight : shop.sendTime.priorStrength,
    prior: habit?.hours ?? null,
    siteWeight,
    nowMs,
    halfLifeDays: shop.halfLifeDays,
  });
}

export function customerSendTime(
  customer: CustomerModelState,
  shop: ShopModelState,
  channel: PersonChannel,
  window: TimeWindow,
  nowMs: number,
  urgencyHalfLifeHours?: number,
): SendTimeResult {
  return chooseSendTime({
    curve: customerCurve(customer, shop, channel, nowMs).curve,
    timeZone: customer.timeZone,
    window,
    quietHours: shop.quietHours,
    urgencyHalfLifeHours,
  });
}
