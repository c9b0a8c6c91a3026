// Calendar arithmetic in a customer's IANA time zone, for activities (never for workflows).

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes after local midnight of `instant` in `timeZone`. */
export function localMinuteOfDay(instant: Date, timeZone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type === 'hour') hour = Number(part.value);
    if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/** Whether a local minute falls in [start, end), a window that may wrap past midnight. */
export function inQuietHours(minute: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The first instant at or after `from` that is outside quiet hours in `timeZone`. Steps minute by
 * minute from the window's expected end so DST shifts (a missing or repeated hour) are honoured.
 */
export function nextAllowedInstant(from: Date, timeZone: string, start: number, end: number): Date {
  let t = new Date(Math.ceil(from.getTime() / 60_000) * 60_000);
  const minute = localMinuteOfDay(t, timeZone);
  if (!inQuietHours(minute, start, end)) return from;
  const untilEnd = (end - minute + 1440) % 1440;
  t = new Date(t.getTime() + Math.max(0, untilEnd - 90) * 60_000);
  for (let i = 0; i < 240 && inQuietHours(localMinuteOfDay(t, timeZone), start, end); i++) t = new Date(t.getTime() + 60_000);
  return t;
}

/** The first of `zones` where `at` falls in [fromHour, toHour) local time (the range may wrap past midnight). */
export function firstZoneWithLocalHour(zones: readonly string[], at: Date, fromHour: number, toHour: number): string | undefined {
  return zones.find((z) => {
    const h = localMinuteOfDay(at, z) / 60;
    return fromHour <= toHour ? h >= fromHour && h < toHour : h >= fromHour || h < toHour;
  });
}
