import { describe, expect, it } from 'vitest';
import { runSeed, makePolicy, type PolicyName } from './experiment.ts';
import { recheckSendTime } from './journey.ts';
import type { DecisionContext } from './policy.ts';
import { expectedIncrementalMargin } from './response.ts';
import { runPolicy } from './run.ts';
import { SCENARIOS, type Scenario } from './scenario.ts';
import { CALIBRATION } from './calibration.ts';
import { wallClock } from './clock.ts';
import { findViolations } from './violations.ts';
import { activityCurve, generateWorld, prefsAt, type SimCart, type World } from './world.ts';
import { seedMetrics } from './metrics.ts';
import { NextbestPolicy } from './policies/nextbest.ts';

const HOUR = 3_600_000;
const tiny = (name: string, customers: number): Scenario => ({ ...SCENARIOS[name]!, customers, historyWeeks: 2, evalWeeks: 2 });

/** A first-cart decision context, as the runner builds it for a customer with no history. */
function firstCartContext(world: World, cart: SimCart): DecisionContext {
  const customer = world.customers[cart.customer]!;
  const decideAtMs = cart.atMs + HOUR;
  return {
    cart, step: 1, maxTier: 0, customerKey: `cus_${cart.customer}`, workflowId: `wf-${cart.id}`, timeZone: customer.timeZone, decideAtMs,
    windowEndMs: decideAtMs + 24 * HOUR, eligible: customer.channels, orders: [],
    truth: { world, customer, exposure: { recentSends: 0, recentDiscounts: 0, recentBuyer: false } },
  };
}

/** True expected incremental margin of each policy's first-cart decision, after the journey's re-check. */
function expectedValues(world: World, name: PolicyName, carts: readonly SimCart[]): number[] {
  const policy = makePolicy(name, world, { propensityDraws: 10 });
  return carts.map((cart) => {
    const ctx = firstCartContext(world, cart);
    const action = policy.decide(ctx);
    if (!action) return 0;
    const verdict = recheckSendTime(action.sendAtMs, action.channel, ctx.timeZone, []);
    if (!verdict.ok) return 0;
    return expectedIncrementalMargin(ctx.truth.customer, cart, { ...action, sendAtMs: verdict.atMs }, ctx.truth.exposure);
  });
}

function firstCarts(world: World): SimCart[] {
  const seen = new Set<number>();
  return world.carts.filter((c) => !seen.has(c.customer) && seen.add(c.customer));
}

describe('simulator', () => {
  it('gives the oracle at least the expected value of every policy, cart by cart', () => {
    const world = generateWorld(tiny('default', 100), 7);
    const carts = firstCarts(world);
    expect(carts.length).toBeGreaterThan(20);
    const best = expectedValues(world, 'oracle', carts);
    for (const name of ['email-first', 'same-hour-9am', 'flat-15', 'best-channel-by-ratio', 'population-best-hour', 'nextbest'] as const) {
      const values = expectedValues(world, name, carts);
      values.forEach((v, i) => expect(best[i]!).toBeGreaterThanOrEqual(v - 1e-9));
      expect(best.reduce((a, b) => a + b, 0)).toBeGreaterThan(values.reduce((a, b) => a + b, 0));
    }
  });

  it('sends nothing for the holdout and counts the same carts for every policy', () => {
    const result = runSeed(tiny('default', 300), 3, { propensityDraws: 10, policies: ['holdout', 'email-first', 'nextbest', 'oracle'] });
    const { holdout, oracle } = result.tallies;
    expect(holdout!.sends).toBe(0);
    expect(holdout!.costMinor).toBe(0);
    expect(holdout!.carts).toBeGreaterThan(50);
    for (const t of Object.values(result.tallies)) {
      expect(t.carts).toBe(holdout!.carts);
      expect(t.violations).toBe(0);
    }
    expect(seedMetrics(oracle!, holdout!, oracle!).oracleShare).toBe(1);
    expect(result.tallies['email-first']!.sends).toBeGreaterThan(0);
  });

  it('counts sends in local quiet hours and inside a frequency cap as violations', () => {
    const world = generateWorld(tiny('local', 5), 1);
    const berlin = world.customers[0]!;
    expect(berlin.timeZone).toBe('Europe/Berlin');
    const at = (iso: string) => Date.parse(iso);
    const send = (iso: string, channel: 'email' | 'sms' | 'push', cartId: string) => ({ atMs: at(iso), channel, customer: 0, cartId, tier: 0, decideAtMs: at(iso), step: 1 });
    const violations = findViolations(world, [
      send('2025-06-10T10:00:00Z', 'email', 'ok'), // 12:00 in Berlin
      send('2025-06-10T20:30:00Z', 'email', 'quiet'), // 22:30 in Berlin, and 10.5 h after the first e-mail
      send('2025-06-11T14:00:00Z', 'email', 'ok2'), // 17.5 h after the previous one: allowed
      send('2025-06-11T14:05:00Z', 'push', 'push'), // push has no cap
      send('2025-06-12T09:00:00Z', 'sms', 'sms1'),
      send('2025-06-12T15:00:00Z', 'sms', 'sms2'), // 6 h after the first SMS
    ]);
    expect(violations.map((v) => `${v.kind}:${v.cartId}`).sort()).toEqual(['frequency_cap:quiet', 'frequency_cap:sms2', 'quiet_hours:quiet']);
  });

  it('defers a send out of quiet hours and past a cap, as the re-check does', () => {
    const night = Date.parse('2025-06-10T21:30:00Z'); // 23:30 in Berlin
    const v = recheckSendTime(night, 'email', 'Europe/Berlin', []);
    expect(v).toMatchObject({ ok: true, atMs: Date.parse('2025-06-11T06:00:00Z'), deferrals: 1 });
    const capped = recheckSendTime(Date.parse('2025-06-11T08:00:00Z'), 'email', 'Europe/Berlin', [{ atMs: Date.parse('2025-06-11T06:00:00Z'), channel: 'email' }]);
    expect(capped).toMatchObject({ ok: true, atMs: Date.parse('2025-06-11T22:00:00Z') + 8 * HOUR, deferrals: 2 });
  });

  it('gives personalisation nothing to find without heterogeneity: every customer would be treated alike', () => {
    const oracleActions = (scenario: string) => {
      const world = generateWorld(tiny(scenario, 30), 5);
      const cart = world.carts[0]!;
      const oracle = makePolicy('oracle', world);
      return world.customers.map((customer) => {
        const ctx = firstCartContext(world, { ...cart, customer: customer.index });
        return JSON.stringify(oracle.decide({ ...ctx, timeZone: world.customers[cart.customer]!.timeZone, truth: { ...ctx.truth, customer: { ...customer, timeZone: world.customers[cart.customer]!.timeZone } } }));
      });
    };
    expect(new Set(oracleActions('no-heterogeneity')).size).toBe(1);
    // The same check finds differences in the default world, so it can fail.
    expect(new Set(oracleActions('default')).size).toBeGreaterThan(3);
  });

  it("puts each customer's activity peak at the drawn local hour (an hour later at weekends)", () => {
    const busiest = (curve: Float64Array, day: number) => {
      let best = 0;
      for (let h = 1; h < 24; h++) if (curve[day * 24 + h]! > curve[day * 24 + best]!) best = h;
      return best;
    };
    for (const peak of [8.5, 12.5, 20.5]) {
      const curve = activityCurve(peak, 2);
      expect(busiest(curve, 1)).toBe(Math.floor(peak));
      expect(busiest(curve, 6)).toBe(Math.floor(peak) + 1);
      // Twelve hours away is the quietest: the curve falls to its floor there.
      expect(curve[24 + ((Math.floor(peak) + 12) % 24)]!).toBeLessThan(curve[24 + Math.floor(peak)]! / 4);
    }
  });

  it('browses between carts: sessions at the customers\' active hours, about browseVisitsPerIntent per cart or order', () => {
    const world = generateWorld({ ...SCENARIOS.default!, customers: 400 }, 3);
    const intents = world.carts.length + world.directOrders.length;
    expect(world.sessions.length / intents).toBeGreaterThan(CALIBRATION.browseVisitsPerIntent * 0.8);
    expect(world.sessions.length / intents).toBeLessThan(CALIBRATION.browseVisitsPerIntent * 1.2);
    expect(world.sessions.every((s, i) => i === 0 || s.atMs >= world.sessions[i - 1]!.atMs)).toBe(true);
    // Most sessions fall within three hours of the customer's peak (a fifth of the day's hours).
    const near = world.sessions.filter((s) => {
      const c = world.customers[s.customer]!;
      const local = wallClock(c.timeZone, s.atMs);
      const { peakHour } = prefsAt(c, s.atMs);
      const peak = local.weekday >= 5 ? peakHour + 1 : peakHour;
      const d = Math.abs(((local.hour + local.minute / 60 - peak + 36) % 24) - 12);
      return d <= 3;
    }).length;
    expect(near / world.sessions.length).toBeGreaterThan(0.5);
  });

  it('is replayable: the same seed gives the same tallies', () => {
    const a = runPolicy(generateWorld(tiny('default', 40), 9), makePolicy('nextbest', generateWorld(tiny('default', 40), 9), { propensityDraws: 5 }));
    const b = runPolicy(generateWorld(tiny('default', 40), 9), makePolicy('nextbest', generateWorld(tiny('default', 40), 9), { propensityDraws: 5 }));
    expect(a.tally).toEqual(b.tally);
  });

  it('is calibrated to the public benchmarks it cites (on the first reminder, as the base rates are set)', () => {
    const world = generateWorld({ ...SCENARIOS.default!, customers: 1_500, historyWeeks: 1, evalWeeks: 6 }, 11);
    const run = (name: PolicyName) => runPolicy(world, makePolicy(name, world), { secondTouch: false }).tally;
    const [holdoutTally, emailFirst] = [run('holdout'), run('email-first')];
    const m = seedMetrics(emailFirst, holdoutTally, emailFirst);
    const holdout = holdoutTally.recovered / holdoutTally.carts;
    expect(holdout).toBeGreaterThan(0.05);
    expect(holdout).toBeLessThan(0.1);
    expect(m.openRateAll).toBeGreaterThan(0.38);
    expect(m.openRateAll).toBeLessThan(0.52);
    expect(m.clickRate).toBeGreaterThan(0.025);
    expect(m.clickRate).toBeLessThan(0.05);
    expect(m.emailOrderRate).toBeGreaterThan(0.015);
    expect(m.emailOrderRate).toBeLessThan(0.05);
  });

  it("runs the product's refit on the product's cadence: weekly, or daily as the option", () => {
    const world = generateWorld(tiny('no-heterogeneity', 60), 2);
    const cart = world.carts[0]!;
    const priors = (p: NextbestPolicy) => JSON.stringify((p as unknown as { shop: { channelPriors: unknown } }).shop.channelPriors);
    const withOneClick = (retrain: 'weekly' | 'daily') => {
      const policy = new NextbestPolicy({ retrain, propensityDraws: 5 });
      const action = policy.decide(firstCartContext(world, cart))!;
      policy.onOutcome({ sendId: 's1', cartId: cart.id, step: 1, customer: cart.customer, channel: action.channel, tier: action.tier, kind: 'clicked', atMs: action.sendAtMs + 60_000 });
      return policy;
    };
    const day = (i: number) => world.startMs + (i + 1) * 86_400_000;
    const weekly = withOneClick('weekly');
    const initial = priors(weekly);
    for (let i = 0; i < 6; i++) weekly.onDay(day(i), i);
    expect(priors(weekly)).toBe(initial);
    weekly.onDay(day(6), 6);
    expect(priors(weekly)).not.toBe(initial);
    const daily = withOneClick('daily');
    daily.onDay(day(0), 0);
    expect(priors(daily)).not.toBe(initial);
    daily.onDay(day(6), 6);
    expect(priors(daily)).toBe(priors(weekly));
  });

  it("runs the journey's second touch a day after the first, with its own tier allowance, and none after an order", () => {
    const world = generateWorld({ ...SCENARIOS.default!, customers: 300, historyWeeks: 2, evalWeeks: 3 }, 5);
    const everyone = new Set(world.customers.map((c) => c.index));
    const seen: { step: number; maxTier: number; decideAtMs: number; cartId: string }[] = [];
    const base = makePolicy('email-first', world);
    const spy = { ...base, name: 'spy', decide: (ctx: DecisionContext) => (seen.push({ step: ctx.step, maxTier: ctx.maxTier, decideAtMs: ctx.decideAtMs, cartId: ctx.cart.id }), base.decide(ctx)) };
    const r = runPolicy(world, spy, { traceCustomers: everyone });
    const firsts = new Map(seen.filter((d) => d.step === 1).map((d) => [d.cartId, d]));
    const seconds = seen.filter((d) => d.step === 2);
    expect(seconds.length).toBeGreaterThan(firsts.size / 2);
    expect(seen.every((d) => d.maxTier === (d.step === 1 ? 0 : 15))).toBe(true);
    for (const d of seconds) {
      const trace = r.traces.find((t) => t.cartId === d.cartId)!;
      // A day after the first touch ended: its send, or its decision when it sent nothing.
      expect(d.decideAtMs).toBe((trace.sentAtMs ?? firsts.get(d.cartId)!.decideAtMs) + 24 * HOUR);
      // No order (organic or from the first message) came before it.
      expect(trace.orderMs === null || trace.orderMs > d.decideAtMs).toBe(true);
    }
    // Carts whose order came before the second touch's time never reached it.
    const orderedEarly = r.traces.filter((t) => t.orderMs !== null && t.sentAtMs !== null && t.orderMs <= t.sentAtMs + 24 * HOUR);
    expect(orderedEarly.length).toBeGreaterThan(0);
    expect(orderedEarly.every((t) => t.second === null)).toBe(true);
    expect(r.sends.filter((s) => s.step === 2).length).toBeGreaterThan(0);
    expect(findViolations(world, r.sends)).toEqual([]);
  });
});
