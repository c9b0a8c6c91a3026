// The hidden world: customers whose preferences the simulator knows and the policies do not, and the
// carts they leave. Everything here depends only on (scenario, seed), never on a policy, so every
// policy meets the same customers and the same carts.

import { PERSON_CHANNELS, Rng, type PersonChannel } from '../models/index.ts';
import { CALIBRATION as C, CATEGORIES } from './calibration.ts';
import { wallClock } from './clock.ts';
import { dirichlet, exponential, gammaWithMean, lognormalMultiplier, pickWeighted } from './random.ts';
import type { Scenario } from './scenario.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** Preferences that may drift: engagement per channel and the activity curve over the local week. */
export type Prefs = {
  click: Record<PersonChannel, number>;
  /** Engagement multiplier per local hour of week (0 = Monday 00:00); mean 1 over 08:00–20:59. */
  activity: Float64Array;
  peakHour: number;
};

export type SimCustomer = {
  index: number;
  timeZone: string;
  /** Channels with consent and a reachable address at the start. */
  channels: PersonChannel[];
  prefs: Prefs;
  /** Preferences after `driftAtMs` (drift scenario), else null. */
  drifted: Prefs | null;
  driftAtMs: number;
  /** P(order | clicked) at no discount. */
  convBase: number;
  /** How much a discount raises conversion: conversion × (1 + s × (1 − e^(−d/10))). */
  sensitivity: number;
  /** P(recovering a cart within 7 days with no message), before the recency boost. */
  organic: number;
  unsubTolerance: number;
  machineOpens: boolean;
  taste: number[];
};

export type SimCart = { id: string; customer: number; seq: number; atMs: number; basketMinor: number; category: number };
/** A site session with no cart or order (browsing): the product sees it as page views. */
export type SiteSession = { customer: number; atMs: number };
/** A purchase that happened without a cart being left: feeds recency and frequency. */
export type DirectOrder = { customer: number; atMs: number; valueMinor: number };

export type World = {
  scenario: Scenario;
  seed: number;
  startMs: number;
  evalStartMs: number;
  endMs: number;
  customers: SimCustomer[];
  /** Sorted by time. */
  carts: SimCart[];
  directOrders: DirectOrder[];
  /** Browsing sessions, sorted by time. */
  sessions: SiteSession[];
};

/** A Monday, so weeks line up with the local week in Europe. */
export const SIM_EPOCH = Date.parse('2025-03-03T00:00:00Z');

export function prefsAt(c: SimCustomer, atMs: number): Prefs {
  return c.drifted && atMs >= c.driftAtMs ? c.drifted : c.prefs;
}

export function generateWorld(scenario: Scenario, seed: number): World {
  const rng = new Rng(`world|${scenario.name}|${seed}`);
  const startMs = SIM_EPOCH;
  const evalStartMs = startMs + scenario.historyWeeks * WEEK_MS;
  const endMs = evalStartMs + scenario.evalWeeks * WEEK_MS;
  const customers: SimCustomer[] = [];
  const carts: SimCart[] = [];
  const directOrders: DirectOrder[] = [];
  const sessions: SiteSession[] = [];
  // Sessions draw from their own stream, so customers, carts and orders do not depend on them.
  const sessionRng = new Rng(`sessions|${scenario.name}|${seed}`);
  for (let i = 0; i < scenario.customers; i++) {
    const c = drawCustomer(rng, scenario, i, startMs, endMs);
    customers.push(c);
    const shopping = drawHistory(rng, scenario, c, startMs, endMs, carts, directOrders);
    drawSessions(sessionRng, c, startMs, shopping.untilMs, shopping.intentRate * C.browseVisitsPerIntent, sessions);
  }
  carts.sort((a, b) => a.atMs - b.atMs || a.customer - b.customer);
  sessions.sort((a, b) => a.atMs - b.atMs || a.customer - b.customer);
  return { scenario, seed, startMs, evalStartMs, endMs, customers, carts, directOrders, sessions };
}

function drawCustomer(rng: Rng, s: Scenario, index: number, startMs: number, endMs: number): SimCustomer {
  const h = s.heterogeneity;
  const timeZone = s.timeZones[pickWeighted(rng, s.timeZones.map((z) => z.share))]!.zone;
  const channels = h > 0 ? PERSON_CHANNELS.filter((ch) => rng.next() < C.reach[ch]) : (['email', 'sms'] as PersonChannel[]);
  if (!channels.includes('email')) channels.unshift('email');
  const prefs = drawPrefs(rng, h);
  const drifts = rng.next() < s.drift;
  const drifted = drifts ? drawPrefs(rng, h) : null;
  // Sensitivity types: indifferent to discounts, moderate, deal-seekers; their mean is the no-heterogeneity value.
  const types = [0.1, 0.8, 2.0];
  const sensitivityDraw = types[pickWeighted(rng, [0.35, 0.4, 0.25])]! * lognormalMultiplier(rng, 0.3);
  const meanSensitivity = 0.855;
  return {
    index,
    timeZone,
    channels,
    prefs,
    drifted,
    driftAtMs: startMs + (endMs - startMs) / 2,
    convBase: C.convGivenClick * lognormalMultiplier(rng, 0.4 * h),
    sensitivity: meanSensitivity + h * (sensitivityDraw - meanSensitivity),
    organic: C.organicRecovery * lognormalMultiplier(rng, 0.5 * h),
    unsubTolerance: lognormalMultiplier(rng, 0.5 * h),
    machineOpens: rng.next() < C.machineOpenShare,
    taste: h > 0 ? dirichlet(rng, CATEGORIES.length, 0.5 / h) : CATEGORIES.map(() => 1 / CATEGORIES.length),
  };
}

function drawPrefs(rng: Rng, h: number): Prefs {
  const click = {} as Record<PersonChannel, number>;
  for (const ch of PERSON_CHANNELS) click[ch] = C.click[ch] * lognormalMultiplier(rng, 0.8 * h);
  // Chronotypes: morning, lunch-break and evening shoppers; identical evening shoppers without heterogeneity.
  const peaks = [8, 12.5, 20];
  const drawnPeak = peaks[pickWeighted(rng, [0.2, 0.25, 0.55])]! + 1.2 * rng.normal();
  const peakHour = 19 + h * (drawnPeak - 19);
  const width = 2.5 + h * (1.5 + 2 * rng.next() - 2.5);
  return { click, activity: activityCurve(peakHour, width), peakHour };
}

/** Engagement by local hour of week: a daily bump around the peak (an hour later at weekends). */
export function activityCurve(peakHour: number, width: number): Float64Array {
  const curve = new Float64Array(168);
  let allowedSum = 0;
  let allowedCount = 0;
  for (let hw = 0; hw < 168; hw++) {
    const day = Math.floor(hw / 24);
    const hour = hw % 24;
    const peak = day >= 5 ? peakHour + 1 : peakHour;
    // Circular distance in hours from the middle of this hour to the peak: 0 at the peak, 12 opposite it.
    const distance = Math.abs(((hour + 0.5 - peak + 36) % 24) - 12);
    curve[hw] = 0.2 + Math.exp(-(distance * distance) / (2 * width * width));
    if (hour >= 8 && hour <= 20) {
      allowedSum += curve[hw]!;
      allowedCount++;
    }
  }
  const mean = allowedSum / allowedCount;
  for (let hw = 0; hw < 168; hw++) curve[hw] = curve[hw]! / mean;
  return curve;
}

/** The customer's carts and direct orders; returns their intent rate (per ms) and when they stop shopping. */
function drawHistory(rng: Rng, s: Scenario, c: SimCustomer, startMs: number, endMs: number, carts: SimCart[], orders: DirectOrder[]): { intentRate: number; untilMs: number } {
  const meanRate = C.intentsPer30Days / (30 * DAY_MS);
  const rate = s.heterogeneity > 0 ? gammaWithMean(rng, C.intentRateShape / s.heterogeneity, meanRate) : meanRate;
  let t = startMs;
  for (let seq = 0; ; seq++) {
    t += exponential(rng, 1 / rate);
    if (t >= endMs) return { intentRate: rate, untilMs: endMs };
    const atMs = atActiveHour(rng, c, t);
    const category = pickWeighted(rng, c.taste);
    const basketMinor = Math.max(500, Math.round(C.basketMeanMinor * CATEGORIES[category]!.price * lognormalMultiplier(rng, 0.5)));
    if (rng.next() < C.abandonShare) carts.push({ id: `c${c.index}-${seq}`, customer: c.index, seq, atMs, basketMinor, category });
    else orders.push({ customer: c.index, atMs, valueMinor: basketMinor });
    if (rng.next() < C.dropoutPerIntent) return { intentRate: rate, untilMs: t };
  }
}

/** Browsing sessions at `rate` per ms from startMs until the customer stops shopping, at their active hours. */
function drawSessions(rng: Rng, c: SimCustomer, startMs: number, untilMs: number, rate: number, out: SiteSession[]): void {
  if (!(rate > 0)) return;
  for (let t = startMs + exponential(rng, 1 / rate); t < untilMs; t += exponential(rng, 1 / rate)) {
    out.push({ customer: c.index, atMs: atActiveHour(rng, c, t) });
  }
}

/** Moves an instant to a local hour drawn from the customer's activity that day (night hours damped). */
function atActiveHour(rng: Rng, c: SimCustomer, t: number): number {
  const local = wallClock(c.timeZone, t);
  const dayStart = t - local.minuteOfDay * 60_000;
  const activity = prefsAt(c, t).activity;
  const weights = Array.from({ length: 24 }, (_, hour) => activity[local.weekday * 24 + hour]! * (hour < 7 ? 0.15 : 1));
  const hour = pickWeighted(rng, weights);
  return Math.floor(dayStart + hour * HOUR_MS + rng.next() * HOUR_MS);
}
