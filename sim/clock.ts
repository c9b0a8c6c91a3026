// Local wall-clock time for the hidden world and the violation checker. Deliberately its own small Intl
// helper rather than the models' zone code: the checker must not share code with what it checks.

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export type WallClock = { weekday: number; hour: number; minute: number; minuteOfDay: number; hourOfWeek: number };

export function wallClock(timeZone: string, atMs: number): WallClock {
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(new Date(atMs))) {
    if (p.type === 'weekday') weekday = WEEKDAY[p.value] ?? 0;
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return { weekday, hour, minute, minuteOfDay: hour * 60 + minute, hourOfWeek: weekday * 24 + hour };
}

/** The first instant at or after `fromMs` whose local time is `hour`:00 (searching up to 8 days). */
export function nextLocalHour(timeZone: string, fromMs: number, hour: number, weekday?: number): number {
  let t = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  // Zones with half-hour offsets put local hour starts on half hours: step by 15 minutes.
  for (let i = 0; i < 8 * 24 * 4; i++, t += HOUR_MS / 4) {
    if (t < fromMs) continue;
    const c = wallClock(timeZone, t);
    if (c.hour === hour && c.minute === 0 && (weekday === undefined || c.weekday === weekday)) return t;
  }
  throw new Error(`no local ${hour}:00 in ${timeZone} within 8 days of ${new Date(fromMs).toISOString()}`);
}

export function inQuiet(minuteOfDay: number, startMinute: number, endMinute: number): boolean {
  if (startMinute === endMinute) return false;
  return startMinute < endMinute ? minuteOfDay >= startMinute && minuteOfDay < endMinute : minuteOfDay >= startMinute || minuteOfDay < endMinute;
}
