import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hourOfWeekAt, isValidTimeZone, localTime, offsetTimeline, zoneOffsetMinutes } from './zone.ts';
import { isQuiet, minutesUntilQuietEnds, parseQuietHours } from './quiet.ts';

const ms = (iso: string) => Date.parse(iso);

describe('zone offsets across DST changes', () => {
  it.each([
    ['America/New_York', '2025-03-09T06:59:00Z', -300, '2025-03-09T07:00:00Z', -240],
    ['America/New_York', '2025-11-02T05:59:00Z', -240, '2025-11-02T06:00:00Z', -300],
    ['Europe/Berlin', '2025-03-30T00:59:00Z', 60, '2025-03-30T01:00:00Z', 120],
    ['Australia/Sydney', '2025-04-05T15:59:00Z', 660, '2025-04-05T16:00:00Z', 600],
    ['Australia/Sydney', '2025-10-04T15:59:00Z', 600, '2025-10-04T16:00:00Z', 660],
    ['Asia/Kathmandu', '2025-01-01T00:00:00Z', 345, '2025-07-01T00:00:00Z', 345],
  ])('%s: %s is %i min, %s is %i min', (zone, before, offBefore, after, offAfter) => {
    expect(zoneOffsetMinutes(zone, ms(before))).toBe(offBefore);
    expect(zoneOffsetMinutes(zone, ms(after))).toBe(offAfter);
  });

  it('finds the transition instant to the minute', () => {
    const t = offsetTimeline('America/New_York', ms('2025-03-07T00:00:00Z'), ms('2025-03-12T00:00:00Z'));
    expect(t.startsMs.map((x) => new Date(x).toISOString())).toEqual(['2025-03-07T00:00:00.000Z', '2025-03-09T07:00:00.000Z']);
    expect(t.offsetMinutes).toEqual([-300, -240]);
  });

  it('numbers hours of the week from Monday 00:00 local', () => {
    // 2025-06-02 is a Monday; 10:30 in Berlin (UTC+2) is hour 10.
    expect(hourOfWeekAt('Europe/Berlin', ms('2025-06-02T08:30:00Z'))).toBe(10);
    // Sunday 23:00 in New York is still Sunday there although Monday in UTC.
    expect(hourOfWeekAt('America/New_York', ms('2025-06-02T03:00:00Z'))).toBe(6 * 24 + 23);
    expect(localTime(ms('2025-06-02T08:30:15Z'), 120)).toEqual({ weekday: 0, minuteOfDay: 630, hourOfWeek: 10, msIntoMinute: 15_000 });
  });

  it('rejects unknown zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('quiet hours', () => {
  it('wrap around midnight', () => {
    const q = parseQuietHours({ start: '21:00', end: '08:00' })!;
    expect(isQuiet(q, 20 * 60 + 59)).toBe(false);
    expect(isQuiet(q, 21 * 60)).toBe(true);
    expect(isQuiet(q, 0)).toBe(true);
    expect(isQuiet(q, 7 * 60 + 59)).toBe(true);
    expect(isQuiet(q, 8 * 60)).toBe(false);
    expect(minutesUntilQuietEnds(q, 22 * 60)).toBe(600);
  });

  it('work within a day, and equal bounds mean none', () => {
    const q = parseQuietHours({ start: '12:00', end: '13:30' })!;
    expect(isQuiet(q, 12 * 60 + 15)).toBe(true);
    expect(isQuiet(q, 13 * 60 + 30)).toBe(false);
    expect(isQuiet(parseQuietHours({ start: '09:00', end: '09:00' })!, 9 * 60)).toBe(false);
  });

  it('reject malformed clocks', () => {
    expect(parseQuietHours({ start: '25:00', end: '08:00' })).toBeNull();
    expect(parseQuietHours({ start: '9pm', end: '08:00' })).toBeNull();
  });
});

describe('zoneOffsetMinutes remembered per hour', () => {
  // An independent reading of the offset, straight from Intl, for every instant asked.
  const fromIntl = (timeZone: string, atMs: number) => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(atMs)).find((p) => p.type === 'timeZoneName')!.value;
    const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name)!;
    return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];

  it('agrees with Intl at every instant, also in the hours that hold a DST transition', () => {
    // Every minute around the 2026 transitions of zones that move by an hour and by half an hour.
    for (const [zone, around] of [['Europe/Berlin', '2026-03-29T01:00:00Z'], ['Europe/Berlin', '2026-10-25T01:00:00Z'], ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'], ['Australia/Lord_Howe', '2026-10-03T15:30:00Z']] as const) {
      for (let m = -90; m <= 90; m++) {
        const at = Date.parse(around) + m * 60_000;
        expect(zoneOffsetMinutes(zone, at), `${zone} at ${new Date(at).toISOString()}`).toBe(fromIntl(zone, at));
      }
    }
    fc.assert(fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2032-01-01') }), (zone, at) => {
      expect(zoneOffsetMinutes(zone, at)).toBe(fromIntl(zone, at));
    }), { numRuns: 3000 });
  });
});
