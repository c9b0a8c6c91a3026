import { describe, expect, it } from 'vitest';
import { inQuietHours, localMinuteOfDay, nextAllowedInstant } from './local-time.ts';

const Q_START = 21 * 60;
const Q_END = 8 * 60;

describe('local time', () => {
  it('reads the local minute of day in a zone, DST included', () => {
    expect(localMinuteOfDay(new Date('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(13 * 60);
    expect(localMinuteOfDay(new Date('2026-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(14 * 60);
    expect(localMinuteOfDay(new Date('2026-07-15T12:30:00Z'), 'Asia/Kolkata')).toBe(18 * 60);
  });

  it('handles quiet hours that wrap past midnight', () => {
    expect(inQuietHours(22 * 60, Q_START, Q_END)).toBe(true);
    expect(inQuietHours(3 * 60, Q_START, Q_END)).toBe(true);
    expect(inQuietHours(8 * 60, Q_START, Q_END)).toBe(false);
    expect(inQuietHours(20 * 60 + 59, Q_START, Q_END)).toBe(false);
    expect(inQuietHours(12 * 60, 12 * 60, 12 * 60)).toBe(false);
  });

  it('moves a send out of quiet hours to 08:00 local time', () => {
    // 23:30 in New York (EST, UTC-5) → 08:00 the next morning = 13:00 UTC.
    expect(nextAllowedInstant(new Date('2026-01-16T04:30:00Z'), 'America/New_York', Q_START, Q_END).toISOString()).toBe('2026-01-16T13:00:00.000Z');
    const daytime = new Date('2026-01-16T15:00:00Z');
    expect(nextAllowedInstant(daytime, 'America/New_York', Q_START, Q_END)).toBe(daytime);
  });

  it('lands on 08:00 local across a DST change', () => {
    // Night of 28→29 March 2026 in Berlin: clocks go from 02:00 to 03:00. 08:00 CEST = 06:00 UTC.
    expect(nextAllowedInstant(new Date('2026-03-28T22:00:00Z'), 'Europe/Berlin', Q_START, Q_END).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    // Night of 24→25 October 2026: clocks go back. 08:00 CET = 07:00 UTC.
    expect(nextAllowedInstant(new Date('2026-10-24T21:30:00Z'), 'Europe/Berlin', Q_START, Q_END).toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });
});
