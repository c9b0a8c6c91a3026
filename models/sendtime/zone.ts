// Local wall-clock time in a customer's IANA zone, from Intl only (no tz database of our own).
// Intl is slow (microseconds per call), so a window's offsets are computed once as a short timeline of
// DST transitions and every hour in the window is then plain arithmetic.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const HOUR_MS = 3_600_000;
/** Offsets of whole UTC hours in which a zone's offset does not change, by zone and hour. */
const hourOffsets = new Map<string, number>();
const HOUR_OFFSETS_MAX = 100_000;

/**
 * Minutes to add to UTC to get local time at `atMs` (e.g. -240 for New York in summer). Remembered per
 * zone and UTC hour when the offset is the same at the hour's first and last second (every hour but the
 * rare one holding a transition, which is computed exactly each time): ingest asks once per visit.
 */
export function zoneOffsetMinutes(timeZone: string, atMs: number): number {
  const hour = Math.floor(atMs / HOUR_MS);
  const key = `${timeZone}|${hour}`;
  const known = hourOffsets.get(key);
  if (known !== undefined) return known;
  const first = exactOffsetMinutes(timeZone, hour * HOUR_MS);
  const last = exactOffsetMinutes(timeZone, hour * HOUR_MS + HOUR_MS - 1000);
  if (first !== last) return exactOffsetMinutes(timeZone, atMs);
  if (hourOffsets.size >= HOUR_OFFSETS_MAX) hourOffsets.clear();
  hourOffsets.set(key, first);
  return first;
}

function exactOffsetMinutes(timeZone: string, atMs: number): number {
  const wholeSecond = Math.floor(atMs / 1000) * 1000;
  const parts = formatter(timeZone).formatToParts(new Date(wholeSecond));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((local - wholeSecond) / MINUTE_MS);
}

/** Offsets in force over a span: offsetMinutes[i] applies from startsMs[i] on. */
export type OffsetTimeline = { readonly startsMs: readonly number[]; readonly offsetMinutes: readonly number[] };

/**
 * Samples the offset once a day and bisects to the minute where it changed. Real zones change offset
 * at most twice a year, so no transition hides between daily samples.
 */
export function offsetTimeline(timeZone: string, fromMs: number, toMs: number): OffsetTimeline {
  // decideAction asks for the same window once per channel: remember the last answer.
  if (last && last.timeZone === timeZone && last.fromMs === fromMs && last.toMs === toMs) return last.timeline;
  const timeline = computeTimeline(timeZone, fromMs, toMs);
  last = { timeZone, fromMs, toMs, timeline };
  return timeline;
}

let last: { timeZone: string; fromMs: number; toMs: number; timeline: OffsetTimeline } | null = null;

function computeTimeline(timeZone: string, fromMs: number, toMs: number): OffsetTimeline {
  const startsMs = [fromMs];
  const offsetMinutes = [zoneOffsetMinutes(timeZone, fromMs)];
  let prevMs = fromMs;
  let prevOffset = offsetMinutes[0]!;
  while (prevMs < toMs) {
    const nextMs = Math.min(prevMs + DAY_MS, toMs);
    const nextOffset = zoneOffsetMinutes(timeZone, nextMs);
    if (nextOffset !== prevOffset) {
      let lo = Math.floor(prevMs / MINUTE_MS); // still the old offset
      let hi = Math.floor(nextMs / MINUTE_MS); // already the new one
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zoneOffsetMinutes(timeZone, mid * MINUTE_MS) === prevOffset) lo = mid;
        else hi = mid;
      }
      startsMs.push(hi * MINUTE_MS);
      offsetMinutes.push(nextOffset);
    }
    prevMs = nextMs;
    prevOffset = nextOffset;
  }
  return { startsMs, offsetMinutes };
}

export function offsetAt(timeline: OffsetTimeline, atMs: number): number {
  let i = timeline.startsMs.length - 1;
  while (i > 0 && timeline.startsMs[i]! > atMs) i--;
  return timeline.offsetMinutes[i]!;
}

export type LocalTime = {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  minuteOfDay: number;
  /** weekday × 24 + hour: the index into a 168-hour curve. */
  hourOfWeek: number;
  /** Milliseconds past the local minute (equal to the UTC ones: offsets are whole minutes). */
  msIntoMinute: number;
};

export function localTime(atMs: number, offsetMinutes: number): LocalTime {
  const localMs = atMs + offsetMinutes * MINUTE_MS;
  const days = Math.floor(localMs / DAY_MS);
  const msOfDay = localMs - days * DAY_MS;
  const minuteOfDay = Math.floor(msOfDay / MINUTE_MS);
  // 1970-01-01 was a Thursday, index 3 when Monday is 0.
  const weekday = (((days + 3) % 7) + 7) % 7;
  return {
    weekday,
    minuteOfDay,
    hourOfWeek: weekday * 24 + Math.floor(minuteOfDay / 60),
    msIntoMinute: msOfDay - minuteOfDay * MINUTE_MS,
  };
}

/** Local hour of week of one instant: for recording when an engagement happened. */
export function hourOfWeekAt(timeZone: string, atMs: number): number {
  return localTime(atMs, zoneOffsetMinutes(timeZone, atMs)).hourOfWeek;
}
