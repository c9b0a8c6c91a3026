// Glue between the stored state and the send-time model: one customer's curve for one channel, and
// the instant chosen from it.

import type { CustomerModelState, ShopModelState } from '../state.ts';
import type { PersonChannel, TimeWindow } from '../types.ts';
import { chooseSendTime, type SendTimeResult } from './choose.ts';
import { sendTimeCurve } from './curve.ts';
import { personalHabit, profilePosterior, visitsByHourOfDay } from './profiles.ts';

export function customerCurve(
  customer: CustomerModelState,
  shop: ShopModelState,
  channel: PersonChannel,
  nowMs: number,
): { curve: Float64Array; evidence: number } {
  const habit = shop.sendTime.siteHabit;
  const siteWeight = shop.sendTime.siteActivityWeight;
  // The shop's habit, leaning to the daily habits (profiles) the customer's own visits point to.
  const prior = habit?.profiles && habit.profiles.length > 1 && customer.siteActivity
    ? personalHabit(habit.hours, habit.profiles, profilePosterior(habit.profiles, visitsByHourOfDay(customer.siteActivity, nowMs, shop.halfLifeDays).hours))
    : habit?.hours ?? null;
  return sendTimeCurve({
    own: customer.sendTime[channel],
    site: customer.siteActivity,
    // The habit's strength is in visits; a visit weighs siteWeight in the curve, so the prior does too.
    priorStrength: habit ? habit.strength * siteWeight : shop.sendTime.priorStrength,
    prior,
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
