// Quiet hours are local wall-clock minutes [start, end); when start > end they cross midnight
// (the usual 21:00–08:00). Equal start and end mean no quiet hours at all.

import type { QuietHours } from '../types.ts';

export type QuietMinutes = { start: number; end: number };

/** null when either bound is not a valid "HH:MM" in 00:00–23:59. */
export function parseQuietHours(q: QuietHours): QuietMinutes | null {
  const start = parseClock(q.start);
  const end = parseClock(q.end);
  return start === null || end === null ? null : { start, end };
}

function parseClock(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : null;
}

export function isQuiet({ start, end }: QuietMinutes, minuteOfDay: number): boolean {
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/** Wall-clock minutes from `minuteOfDay` until quiet hours end; 0 when not quiet now. */
export function minutesUntilQuietEnds(q: QuietMinutes, minuteOfDay: number): number {
  if (!isQuiet(q, minuteOfDay)) return 0;
  return (q.end - minuteOfDay + 1440) % 1440;
}
