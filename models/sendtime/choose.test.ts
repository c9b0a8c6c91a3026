import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseSendTime, type SendTimeInput } from './choose.ts';
import { HOURS_PER_WEEK, sendTimeCurve } from './curve.ts';
import { customerSendTime } from './customer.ts';
import { defaultShopModelState, newCustomerModelState } from '../state.ts';
import { isQuiet, parseQuietHours } from './quiet.ts';

/** A flat curve with one favoured hour of week. */
function peaked(...peaks: [hour: number, weight: number][]): Float64Array {
  const c = new Float64Array(HOURS_PER_WEEK).fill(1);
  for (const [h, w] of peaks) c[h] = w;
  return c;
}
const NO_QUIET = { start: '00:00', end: '00:00' };
const choose = (over: Partial<SendTimeInput> & Pick<SendTimeInput, 'window'>) =>
  chooseSendTime({ curve: peaked(), timeZone: 'Europe/Berlin', quietHours: { start: '21:00', end: '08:00' }, ...over });

describe('chooseSendTime', () => {
  it("picks the customer's best local hour inside the window", () => {
    // Tuesday 18:00 local is hour 42; 2025-06-10 is a Tuesday, Berlin is UTC+2 in June.
    const r = choose({ curve: peaked([42, 5]), window: { earliest: '2025-06-09T06:00:00Z', latest: '2025-06-12T00:00:00Z' } });
    expect(r).toMatchObject({ ok: true, sendAt: '2025-06-10T16:00:00.000Z', localHourOfWeek: 42, preferredHourOfWeek: 42 });
  });

  it('moves a best hour in quiet hours (across midnight) to the first allowed instant', () => {
    // Wednesday 23:00 (hour 71) is quiet; the window opens Wednesday 21:30 local.
    const r = choose({ curve: peaked([71, 9]), window: { earliest: '2025-06-11T19:30:00Z', latest: '2025-06-12T10:00:00Z' } });
    expect(r).toMatchObject({ ok: true, sendAt: '2025-06-12T06:00:00.000Z', preferredHourOfWeek: 71 });
  });

  it('starts at the end of quiet hours even when it is not on the hour', () => {
    const r = choose({ quietHours: { start: '21:00', end: '08:30' }, window: { earliest: '2025-06-12T05:00:00Z', latest: '2025-06-12T10:00:00Z' } });
    expect(r).toMatchObject({ ok: true, sendAt: '2025-06-12T06:30:00.000Z' });
  });

  it('says so, without throwing, when the whole window is quiet', () => {
    const r = choose({ window: { earliest: '2025-06-11T20:00:00Z', latest: '2025-06-12T05:00:00Z' } });
    expect(r).toMatchObject({ ok: false, reason: 'no_allowed_instant' });
    expect(choose({ window: { earliest: '2025-06-12T05:00:00Z', latest: '2025-06-11T05:00:00Z' } })).toMatchObject({ ok: false, reason: 'invalid_window' });
    expect(choose({ timeZone: 'Nowhere/Special', window: { earliest: '2025-06-12T05:00:00Z', latest: '2025-06-13T05:00:00Z' } })).toMatchObject({ ok: false, reason: 'invalid_time_zone' });
  });

  it('skips a local hour that does not exist (spring forward) and lands on the next real one', () => {
    // New York, Sunday 2025-03-09: 02:00 local does not exist. Best hour Sun 02:00, next best Sun 03:00.
    const r = chooseSendTime({
      curve: peaked([6 * 24 + 2, 9], [6 * 24 + 3, 5]),
      timeZone: 'America/New_York',
      quietHours: NO_QUIET,
      window: { earliest: '2025-03-09T05:00:00Z', latest: '2025-03-09T12:00:00Z' },
    });
    expect(r).toMatchObject({ ok: true, sendAt: '2025-03-09T07:00:00.000Z', localHourOfWeek: 6 * 24 + 3 });
  });

  it('takes the first of a repeated local hour (fall back), or the second when the first is outside the window', () => {
    const base = { curve: peaked([6 * 24 + 1, 9]), timeZone: 'America/New_York', quietHours: NO_QUIET };
    // 01:00 local happens at 05:00Z (EDT) and again at 06:00Z (EST) on 2025-11-02.
    expect(chooseSendTime({ ...base, window: { earliest: '2025-11-02T03:00:00Z', latest: '2025-11-02T10:00:00Z' } })).toMatchObject({
      sendAt: '2025-11-02T05:00:00.000Z',
    });
    expect(chooseSendTime({ ...base, window: { earliest: '2025-11-02T06:00:00Z', latest: '2025-11-02T10:00:00Z' } })).toMatchObject({
      sendAt: '2025-11-02T06:00:00.000Z',
    });
  });

  it('trades a better hour against delay when the journey is urgent', () => {
    // Best hour is a day later; with a 6 h half-life waiting 24 h costs a factor 16, more than the 3× better hour.
    const window = { earliest: '2025-06-10T08:00:00Z', latest: '2025-06-12T08:00:00Z' };
    const curve = peaked([2 * 24 + 10, 3]);
    expect(choose({ curve, window })).toMatchObject({ sendAt: '2025-06-11T08:00:00.000Z' });
    expect(choose({ curve, window, urgencyHalfLifeHours: 6 })).toMatchObject({ sendAt: '2025-06-10T08:00:00.000Z' });
  });
});

describe('sendAt property', () => {
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kathmandu', 'America/St_Johns', 'UTC'];
  const localFormat = new Map(zones.map((z) => [z, new Intl.DateTimeFormat('en-GB', { timeZone: z, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' })]));
  const localMinute = (zone: string, atMs: number) => {
    const [h, m] = localFormat.get(zone)!.format(new Date(atMs)).split(':').map(Number);
    return h! * 60 + m!;
  };

  it('is inside the window and outside quiet hours; no instant only when every minute is quiet', () => {
    const start2025 = Date.parse('2025-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 364 * 24 * 60 }),
        fc.integer({ min: 0, max: 48 * 60 }),
        fc.integer({ min: 0, max: 95 }),
        fc.integer({ min: 0, max: 95 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: HOURS_PER_WEEK, maxLength: HOURS_PER_WEEK }),
        (zone, startMinute, lengthMinutes, quietStart, quietEnd, curve) => {
          const earliest = start2025 + startMinute * 60_000;
          const latest = earliest + lengthMinutes * 60_000;
          const clock = (q: number) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
          const quietHours = { start: clock(quietStart), end: clock(quietEnd) };
          const quiet = parseQuietHours(quietHours)!;
          const r = chooseSendTime({
            curve,
            timeZone: zone,
            quietHours,
            window: { earliest: new Date(earliest).toISOString(), latest: new Date(latest).toISOString() },
          });
          if (r.ok) {
            expect(r.gainOverEarliest).toBeGreaterThanOrEqual(1);
            expect(r.sendAtMs).toBeGreaterThanOrEqual(earliest);
            expect(r.sendAtMs).toBeLessThanOrEqual(latest);
            expect(isQuiet(quiet, localMinute(zone, r.sendAtMs))).toBe(false);
          } else {
            expect(r.reason).toBe('no_allowed_instant');
            for (let t = earliest; t <= latest; t += 60_000) expect(isQuiet(quiet, localMinute(zone, t))).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('sendTimeCurve', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  const base = { own: null, site: null, priorStrength: 8, siteWeight: 0.25, nowMs: now, halfLifeDays: 90 };

  it('is flat without evidence: no hour is better than another', () => {
    const { curve, evidence } = sendTimeCurve(base);
    expect(evidence).toBe(0);
    expect(new Set(curve).size).toBe(1);
    expect(curve.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('spreads a habit over every weekday and neighbouring hours, weighted by evidence against the prior', () => {
    // Tuesday 19:00 (hour 43): 8 clicks and 4 visits at a quarter each, worth 9 against a prior of 8.
    const own = { hours: { '43': 8 }, asOf: '2025-06-01T00:00:00Z' };
    const site = { hours: { '43': 4 }, asOf: '2025-06-01T00:00:00Z' };
    const { curve, evidence } = sendTimeCurve({ ...base, own, site });
    expect(evidence).toBe(9);
    expect(curve.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(curve.indexOf(Math.max(...curve))).toBe(43);
    // Another day at 19:00 beats that day's 18:00, which beats its 16:00; 08:00 is as good as the prior says.
    const wed = (h: number) => curve[48 + h]!;
    expect(wed(19)).toBeGreaterThan(wed(18));
    expect(wed(18)).toBeGreaterThan(wed(16));
    expect(wed(16)).toBeGreaterThan(wed(8));
    expect(wed(8)).toBeCloseTo(8 / 168 / 17, 8);
    // The same evidence on its own weekday counts more than on another.
    expect(curve[43]!).toBeGreaterThan(wed(19));
  });

  it("takes the shop's site habit as the prior's shape when there is one", () => {
    // The shop's customers visit at 19:00 three times as often as at any other hour.
    const prior = Array.from({ length: HOURS_PER_WEEK }, (_, h) => (h % 24 === 19 ? 3 : 1));
    const total = prior.reduce((a, b) => a + b, 0);
    const shares = prior.map((x) => x / total);
    const empty = sendTimeCurve({ ...base, prior: shares });
    expect(Array.from(empty.curve)).toEqual(shares.map((x) => (8 * x) / 8));
    // A customer's visits at 08:00, worth 2 against the prior's 8, move a fifth of the weight there.
    const own = { hours: { '8': 2 }, asOf: '2025-06-01T00:00:00Z' };
    const { curve } = sendTimeCurve({ ...base, own, prior: shares });
    expect(curve.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(curve[43]!).toBeCloseTo((8 * shares[43]!) / 10, 12);
    expect(curve[8]!).toBeGreaterThan((8 * shares[8]!) / 10);
  });

  it('lets more evidence move the curve further from flat', () => {
    const at = (n: number) => sendTimeCurve({ ...base, own: { hours: { '43': n }, asOf: '2025-06-01T00:00:00Z' } }).curve[43]! * HOURS_PER_WEEK;
    expect(at(1)).toBeGreaterThan(1);
    expect(at(4)).toBeGreaterThan(at(1));
    expect(at(40)).toBeGreaterThan(at(4));
  });
});

describe('send time against urgency', () => {
  const shop = { ...defaultShopModelState(), sendTime: { ...defaultShopModelState().sendTime, population: { email: Array.from({ length: HOURS_PER_WEEK }, (_, h) => (h % 24 === 19 ? 500 : 5)) } } };
  // Tuesday 2025-06-10, 08:00 in Berlin; the window runs a day.
  const window = { earliest: '2025-06-10T06:00:00Z', latest: '2025-06-11T06:00:00Z' };
  const nowMs = Date.parse(window.earliest);

  it('sends a customer without evidence at the earliest allowed instant, whatever the population curve says', () => {
    const r = customerSendTime(newCustomerModelState('Europe/Berlin', window.earliest), shop, 'email', window, nowMs, 12);
    expect(r).toMatchObject({ ok: true, sendAt: '2025-06-10T06:00:00.000Z', gainOverEarliest: 1 });
  });

  it("sends a customer without evidence at the shop's busiest hour when its site habit says waiting pays", () => {
    // The shop's customers visit at 19:00 five times as often as at other hours; one customer's visit weighs a tenth of it.
    const hours = Array.from({ length: HOURS_PER_WEEK }, (_, h) => (h % 24 === 19 ? 5 : 1));
    const total = hours.reduce((a, b) => a + b, 0);
    const habitShop = { ...shop, sendTime: { ...shop.sendTime, siteHabit: { hours: hours.map((x) => x / total), strength: 10 } } };
    const fresh = newCustomerModelState('Europe/Berlin', window.earliest);
    // 5× at 19:00 against a half-life of 12 h over 11 h of waiting (× 0.53): worth the wait.
    expect(customerSendTime(fresh, habitShop, 'email', window, nowMs, 12)).toMatchObject({ ok: true, sendAt: '2025-06-10T17:00:00.000Z' });
    // A customer whose twenty visits were all at 08:00 outweighs the shop's habit (20 visits against 10).
    const morning = { ...fresh, siteActivity: { hours: { '8': 20 }, asOf: window.earliest } };
    expect(customerSendTime(morning, habitShop, 'email', window, nowMs, 12)).toMatchObject({ ok: true, sendAt: '2025-06-10T06:00:00.000Z' });
  });

  it('waits for an evening habit only when the expected gain outweighs the urgency', () => {
    const customer = newCustomerModelState('Europe/Berlin', window.earliest);
    // Visits at 19:00 on the last five evenings, and at 08:00 once.
    const hours: Record<string, number> = { '1': 0 };
    for (const day of [3, 4, 5, 6, 0]) hours[String(day * 24 + 19)] = 1;
    const weak = { ...customer, siteActivity: { hours, asOf: window.earliest } };
    const strong = { ...customer, siteActivity: { hours: Object.fromEntries(Object.entries(hours).map(([k, v]) => [k, v * 20])), asOf: window.earliest } };
    // Eleven hours' wait at a 12 h half-life halves the value: a few visits do not justify it…
    expect(customerSendTime(weak, shop, 'email', window, nowMs, 12)).toMatchObject({ ok: true, sendAt: '2025-06-10T06:00:00.000Z' });
    // …a strong evening habit does, and so does any habit when delay costs nothing.
    const r = customerSendTime(strong, shop, 'email', window, nowMs, 12);
    expect(r).toMatchObject({ ok: true, sendAt: '2025-06-10T17:00:00.000Z' });
    if (r.ok) expect(r.gainOverEarliest).toBeGreaterThan(1);
    expect(customerSendTime(weak, shop, 'email', window, nowMs)).toMatchObject({ ok: true, sendAt: '2025-06-10T17:00:00.000Z' });
  });
});
