// How a simulated customer answers a cart reminder, from their hidden preferences. `probabilities` is
// the truth the oracle optimises; `realize` turns it into events with the cart's shocks, so the
// oracle's expectation and what every policy meets come from the same formulas.

import type { DiscountTier, PersonChannel } from '../models/index.ts';
import { CALIBRATION as C } from './calibration.ts';
import { wallClock } from './clock.ts';
import type { CartShocks } from './random.ts';
import { prefsAt, type SimCart, type SimCustomer } from './world.ts';

const HOUR_MS = 3_600_000;
export const RECOVERY_HORIZON_MS = 7 * 24 * HOUR_MS;

/** What the customer has lived through before this message; the policy's history shapes it. */
export type ExposureContext = {
  /** Messages to this customer in the 7 days before the send, any channel. */
  recentSends: number;
  /** Discounted messages received in the previous 90 days. */
  recentDiscounts: number;
  /** Whether the customer bought something in the previous 30 days (recency). */
  recentBuyer: boolean;
};

export type SendAction = { channel: PersonChannel; sendAtMs: number; tier: DiscountTier };

export type Probabilities = { click: number; convert: number; unsubscribe: number; humanOpen: number };

/** Response curve of conversion to a discount of d percent: 0 at 0 %, 0.78 at 15 %, 1 in the limit. */
export function discountResponse(tier: number): number {
  return 1 - Math.exp(-tier / 10);
}

/** `hourOfWeek` is the customer's local hour of the send; callers that already know it save an Intl call. */
export function probabilities(
  c: SimCustomer,
  cart: SimCart,
  a: SendAction,
  x: ExposureContext,
  hourOfWeek = wallClock(c.timeZone, a.sendAtMs).hourOfWeek,
): Probabilities {
  const prefs = prefsAt(c, a.sendAtMs);
  const activity = prefs.activity[hourOfWeek]!;
  const delayHours = (a.sendAtMs - cart.atMs) / HOUR_MS;
  const intent = Math.pow(0.5, Math.max(0, delayHours - 1) / C.intentHalfLifeHours);
  const fatigue = Math.pow(C.volumeEngagementFatigue, x.recentSends);
  const sensitivity = c.sensitivity * Math.pow(C.discountSensitivityFatigue, x.recentDiscounts);
  const pull = sensitivity * discountResponse(a.tier);
  return {
    click: Math.min(0.6, prefs.click[a.channel] * activity * intent * fatigue * (1 + C.discountClickShare * pull)),
    convert: Math.min(0.95, c.convBase * Math.pow(C.discountConditioning, x.recentDiscounts) * (1 + pull)),
    unsubscribe: Math.min(0.5, C.unsubscribe[a.channel] * c.unsubTolerance * (1 + C.volumeUnsubscribeGrowth * x.recentSends)),
    humanOpen: a.channel === 'email' ? Math.min(0.95, C.humanOpen * activity * intent) : 0,
  };
}

export function organicProbability(c: SimCustomer, x: Pick<ExposureContext, 'recentBuyer'>): number {
  return Math.min(0.5, c.organic * (x.recentBuyer ? C.recentBuyerOrganicBoost : 1));
}

/** Share of organic recoveries that have happened `ms` after the cart was left. */
export function organicTimeCdf(ms: number): number {
  if (ms <= 0) return 0;
  const h = Math.min(ms, RECOVERY_HORIZON_MS) / HOUR_MS;
  const horizon = RECOVERY_HORIZON_MS / HOUR_MS;
  const late = (1 - Math.exp(-h / C.organicLateMeanHours)) / (1 - Math.exp(-horizon / C.organicLateMeanHours));
  return C.organicEarlyShare * (1 - Math.exp(-h / C.organicEarlyMeanHours)) + (1 - C.organicEarlyShare) * late;
}

/** When the customer recovers the cart with no message, or null if they do not (within 7 days). */
export function organicOrderMs(c: SimCustomer, cart: SimCart, x: Pick<ExposureContext, 'recentBuyer'>, s: CartShocks): number | null {
  if (s.organic >= organicProbability(c, x)) return null;
  const horizonH = RECOVERY_HORIZON_MS / HOUR_MS;
  const hours =
    s.organicEarly < C.organicEarlyShare
      ? Math.min(horizonH, -C.organicEarlyMeanHours * Math.log(s.organicTime))
      : -C.organicLateMeanHours * Math.log(1 - s.organicTime * (1 - Math.exp(-horizonH / C.organicLateMeanHours)));
  return cart.atMs + Math.max(60_000, Math.round(hours * HOUR_MS));
}

export type MessageResponse = {
  opened: boolean;
  machineOpen: boolean;
  humanOpen: boolean;
  clicked: boolean;
  clickMs: number | null;
  /** Order caused by the message (clicked and converted), before any organic order is considered. */
  orderMs: number | null;
  unsubscribed: boolean;
};

export function realize(c: SimCustomer, cart: SimCart, a: SendAction, x: ExposureContext, s: CartShocks): MessageResponse {
  const p = probabilities(c, cart, a, x);
  const unsubscribed = s.unsubscribe < p.unsubscribe;
  const clicked = !unsubscribed && s.click < p.click;
  const clickMs = clicked ? a.sendAtMs + Math.round(-20 * 60_000 * Math.log(s.clickDelay)) : null;
  const converts = clicked && s.convert < p.convert;
  const orderMs = converts ? clickMs! + Math.round(-C.orderDelayMeanMinutes * 60_000 * Math.log(s.orderDelay)) : null;
  const machineOpen = a.channel === 'email' && c.machineOpens;
  const humanOpen = a.channel === 'email' && (clicked || s.open < p.humanOpen);
  return { opened: machineOpen || humanOpen, machineOpen, humanOpen, clicked, clickMs, orderMs, unsubscribed };
}

/**
 * Expected margin of the cart (minor units) if the message goes out at a.sendAtMs, minus what it would
 * bring with no message: the true incremental value, which only the oracle may look at. An organic
 * order before the send stops the send (the journey re-checks), so only the later part is at stake.
 */
export function expectedIncrementalMargin(c: SimCustomer, cart: SimCart, a: SendAction, x: ExposureContext, hourOfWeek?: number): number {
  const p = probabilities(c, cart, a, x, hourOfWeek);
  const o = organicProbability(c, x);
  const before = o * organicTimeCdf(a.sendAtMs - cart.atMs);
  const stillOpen = 1 - before;
  if (stillOpen <= 0) return 0;
  const oAfter = (o - before) / stillOpen;
  // A click needs the customer not to have unsubscribed instead (independent shocks, as in realize).
  const click = p.click * (1 - p.unsubscribe);
  const engagedBuys = click * (1 - (1 - p.convert) * (1 - oAfter));
  const buys = engagedBuys + (1 - click) * oAfter;
  const margin = cart.basketMinor * C.marginRate;
  const withMessage = buys * margin - engagedBuys * cart.basketMinor * (a.tier / 100) - C.costMinor[a.channel];
  return stillOpen * (withMessage - oAfter * margin);
}
