// Picks the instant to send: the earliest allowed instant, unless a later hour of the customer's local
// week is expected to engage so much better that it outweighs the journey's urgency (score = relative
// engagement × urgency, strictly greater than the earliest allowed instant's). Only hours inside the
// journey's window and outside the shop's quiet hours count. Candidates are the window's start, every local hour start
// and every end of quiet hours inside the window, walked in UTC, so DST gaps and repeated hours need no
// special casing: a local time that does not exist is never visited, a repeated one is visited twice.

import type { QuietHours, TimeWindow } from '../types.ts';
import { argmaxHour } from './curve.ts';
import { isQuiet, minutesUntilQuietEnds, parseQuietHours } from './quiet.ts';
import { isValidTimeZone, localTime, offsetAt, offsetTimeline } from './zone.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type SendTimeInput = {
  /** Engagement per local hour of week, any scale (sendTimeCurve's shares). */
  curve: ArrayLike<number>;
  timeZone: string;
  window: TimeWindow;
  quietHours: QuietHours;
  /** The value of a send halves for every this many hours of delay; omit when delay costs nothing. */
  urgencyHalfLifeHours?: number;
  /** Longer windows are only searched this far; journeys wait hours or days, not months. */
  maxSearchDays?: number;
};

export type SendTimeFailure = 'invalid_time_zone' | 'invalid_window' | 'invalid_quiet_hours' | 'no_allowed_instant';

export type SendTimeResult =
  | {
      ok: true;
      sendAt: string;
      sendAtMs: number;
      localHourOfWeek: number;
      /** Curve at that hour × urgency. */
      score: number;
      /** Expected engagement × urgency at sendAt relative to the earliest allowed instant (≥ 1). */
      gainOverEarliest: number;
      /** Factor by which waiting until sendAt reduces the send's value (1 without urgency). */
      urgency: number;
      /** The customer's best hour ignoring window and quiet hours. */
      preferredHourOfWeek: number;
      why: string;
    }
  | { ok: false; reason: SendTimeFailure; why: string };

export function chooseSendTime(input: SendTimeInput): SendTimeResult {
  const { curve, timeZone, window } = input;
  if (!isValidTimeZone(timeZone)) return fail('invalid_time_zone', `"${timeZone}" is not an IANA time zone`);
  const quiet = parseQuietHours(input.quietHours);
  if (!quiet) return fail('invalid_quiet_hours', `quiet hours ${input.quietHours.start}–${input.quietHours.end} are not HH:MM`);
  const earliest = Date.parse(window.earliest);
  const latest = Date.parse(window.latest);
  if (!Number.isFinite(earliest) || !Number.isFinite(latest) || latest < earliest) {
    return fail('invalid_window', `window ${window.earliest} – ${window.latest} is not a valid earliest ≤ latest pair`);
  }
  const end = Math.min(latest, earliest + (input.maxSearchDays ?? 14) * 24 * HOUR_MS);
  const timeline = offsetTimeline(timeZone, earliest, end);
  const halfLife = input.urgencyHalfLifeHours;

  let bestMs = NaN;
  let bestScore = -Infinity;
  let bestHour = -1;
  let bestUrgency = 1;
  let firstScore = NaN;
  let firstMs = NaN;
  for (let t = earliest; t <= end; ) {
    const local = localTime(t, offsetAt(timeline, t));
    const toNextHour = (60 - (local.minuteOfDay % 60)) * MINUTE_MS - local.msIntoMinute;
    if (isQuiet(quiet, local.minuteOfDay)) {
      const toQuietEnd = minutesUntilQuietEnds(quiet, local.minuteOfDay) * MINUTE_MS - local.msIntoMinute;
      t += Math.min(toNextHour, toQuietEnd);
      continue;
    }
    const urgency = halfLife && halfLife > 0 ? Math.pow(0.5, (t - earliest) / (halfLife * HOUR_MS)) : 1;
    const score = curve[local.hourOfWeek]! * urgency;
    if (Number.isNaN(firstScore)) [firstScore, firstMs] = [score, t];
    // Strictly greater: among equal scores the earliest instant wins.
    if (score > bestScore) {
      bestScore = score;
      bestMs = t;
      bestHour = local.hourOfWeek;
      bestUrgency = urgency;
    }
    t += toNextHour;
  }
  if (bestHour < 0) {
    return fail('no_allowed_instant', `every instant of ${window.earliest} – ${window.latest} falls in quiet hours ${input.quietHours.start}–${input.quietHours.end} (${timeZone})`);
  }
  const preferred = argmaxHour(curve);
  const gain = firstScore > 0 ? bestScore / firstScore : 1;
  const why =
    bestMs === firstMs
      ? `the earliest allowed instant, local ${hourLabel(bestHour)} (${timeZone}): no later hour engages enough better to be worth the wait`
      : preferred === bestHour
        ? `customer's best local hour ${hourLabel(bestHour)} (${timeZone}), expected ${gain.toFixed(2)}× the earliest allowed instant after the wait`
        : `local ${hourLabel(bestHour)} (${timeZone}), expected ${gain.toFixed(2)}× the earliest allowed instant after the wait; the customer's best hour ${hourLabel(preferred)} is outside the window, in quiet hours or too late`;
  return {
    ok: true,
    sendAt: new Date(bestMs).toISOString(),
    sendAtMs: bestMs,
    localHourOfWeek: bestHour,
    score: bestScore,
    urgency: bestUrgency,
    gainOverEarliest: gain,
    preferredHourOfWeek: preferred,
    why,
  };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function hourLabel(hourOfWeek: number): string {
  const h = hourOfWeek % 24;
  return `${WEEKDAYS[Math.floor(hourOfWeek / 24)] ?? '?'} ${String(h).padStart(2, '0')}:00`;
}

function fail(reason: SendTimeFailure, why: string): SendTimeResult {
  return { ok: false, reason, why };
}
