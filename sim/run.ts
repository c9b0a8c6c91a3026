// Runs one policy over one world: every cart in time order through the cart-abandon journey, the
// customer answering from their hidden preferences and the cart's shocks, and the policy hearing each
// outcome only when it happens. Returns the tally of the measured weeks and every send for the checker.

import type { PersonChannel } from '../models/index.ts';
import { CALIBRATION as C } from './calibration.ts';
import { CART_TIMING, recheckSendTime, type PriorSend } from './journey.ts';
import { emptyTally, type Tally } from './metrics.ts';
import type { Policy, SendOutcome } from './policy.ts';
import { cartShocks } from './random.ts';
import { organicOrderMs, realize, RECOVERY_HORIZON_MS, type ExposureContext } from './response.ts';
import type { SimCart, World } from './world.ts';

const DAY_MS = 86_400_000;

export type SendRecord = PriorSend & { customer: number; cartId: string; tier: number; decideAtMs: number };

/** What happened to one cart under one policy; the real-engine sample compares these. */
export type CartTrace = {
  cartId: string;
  customer: number;
  decided: boolean;
  action: { channel: PersonChannel; sendAtMs: number; tier: number } | null;
  sentAtMs: number | null;
  skip: string | null;
  clicked: boolean;
  orderMs: number | null;
  discountMinor: number;
};

export type RunResult = { policy: string; tally: Tally; sends: SendRecord[]; traces: CartTrace[] };

type Queued = { atMs: number; run: () => void };

/** A binary min-heap of timed callbacks: outcomes reach the policy in time order. */
class Timeline {
  private items: Queued[] = [];
  push(q: Queued): void {
    const a = this.items;
    a.push(q);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p]!.atMs <= a[i]!.atMs) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  runUntil(t: number): void {
    const a = this.items;
    while (a.length > 0 && a[0]!.atMs <= t) {
      const top = a[0]!;
      const last = a.pop()!;
      if (a.length > 0) {
        a[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < a.length && a[l]!.atMs < a[m]!.atMs) m = l;
          if (r < a.length && a[r]!.atMs < a[m]!.atMs) m = r;
          if (m === i) break;
          [a[m], a[i]] = [a[i]!, a[m]!];
          i = m;
        }
      }
      top.run();
    }
  }
}

export type RunOptions = {
  traceCustomers?: ReadonlySet<number>;
  /** Journey ids as the product names them (the decision seed derives from it); default a sim id. */
  workflowIdOf?: (cart: SimCart) => string;
};

export function runPolicy(world: World, policy: Policy, options: RunOptions = {}): RunResult {
  const tally = emptyTally();
  const sends: SendRecord[] = [];
  const traces: CartTrace[] = [];
  const n = world.customers.length;
  const sendsOf: PriorSend[][] = Array.from({ length: n }, () => []);
  const discountsOf: number[][] = Array.from({ length: n }, () => []);
  const ordersOf: { atMs: number; valueMinor: number }[][] = Array.from({ length: n }, () => []);
  const unsubscribedAt: Partial<Record<PersonChannel, number>>[] = Array.from({ length: n }, () => ({}));
  const timeline = new Timeline();
  let nextDay = world.startMs + DAY_MS;
  let dayIndex = 0;
  const advance = (t: number) => {
    while (nextDay <= t) {
      timeline.runUntil(nextDay);
      policy.onDay?.(nextDay, dayIndex++);
      nextDay += DAY_MS;
    }
    timeline.runUntil(t);
  };
  const addOrder = (customer: number, atMs: number, valueMinor: number) => {
    ordersOf[customer]!.push({ atMs, valueMinor });
    // Placing an order is a site visit too (ingest records order_placed as site activity).
    timeline.push({ atMs, run: () => { policy.onOrder?.(customer, atMs, valueMinor); policy.onSiteActivity?.(customer, world.customers[customer]!.timeZone, atMs); } });
  };
  for (const o of world.directOrders) addOrder(o.customer, o.atMs, o.valueMinor);
  // Browsing sessions are site visits (ingest records product views as site activity).
  for (const v of world.sessions) timeline.push({ atMs: v.atMs, run: () => policy.onSiteActivity?.(v.customer, world.customers[v.customer]!.timeZone, v.atMs) });
  const ordersBefore = (customer: number, t: number) => ordersOf[customer]!.filter((o) => o.atMs <= t);
  const unsubscribedBy = (customer: number, channel: PersonChannel, t: number) => (unsubscribedAt[customer]![channel] ?? Infinity) <= t;
  const countSince = (times: readonly number[], from: number, to: number) => times.reduce((k, x) => k + (x >= from && x < to ? 1 : 0), 0);

  for (const cart of world.carts) {
    advance(cart.atMs);
    const c = world.customers[cart.customer]!;
    policy.onSiteActivity?.(cart.customer, c.timeZone, cart.atMs);
    const measured = cart.atMs >= world.evalStartMs && cart.atMs < world.endMs;
    const shocks = cartShocks(world.seed, cart.customer, cart.seq);
    const recentBuyer = ordersBefore(cart.customer, cart.atMs).some((o) => o.atMs > cart.atMs - 30 * DAY_MS);
    const organic = organicOrderMs(c, cart, { recentBuyer }, shocks);
    const trace: CartTrace = { cartId: cart.id, customer: cart.customer, decided: false, action: null, sentAtMs: null, skip: null, clicked: false, orderMs: null, discountMinor: 0 };
    const finish = (orderMs: number | null, discountMinor: number, sentAtMs: number | null, costMinor: number) => {
      trace.orderMs = orderMs;
      trace.discountMinor = discountMinor;
      if (orderMs !== null) addOrder(cart.customer, orderMs, cart.basketMinor - discountMinor);
      if (options.traceCustomers?.has(cart.customer)) traces.push(trace);
      if (!measured) return;
      tally.carts++;
      tally.costMinor += costMinor;
      tally.marginMinor -= costMinor;
      if (orderMs !== null && orderMs <= cart.atMs + RECOVERY_HORIZON_MS) {
        tally.recovered++;
        tally.discountMinor += discountMinor;
        tally.marginMinor += cart.basketMinor * C.marginRate - discountMinor;
        if (sentAtMs !== null && orderMs >= sentAtMs && orderMs <= sentAtMs + CART_TIMING.attributionWindowMs) tally.vendorRecovered++;
      }
    };

    const decideAtMs = cart.atMs + CART_TIMING.quietPeriodMs;
    if (organic !== null && organic <= decideAtMs) {
      trace.skip = 'converted';
      finish(organic, 0, null, 0);
      continue;
    }
    advance(decideAtMs);
    const eligible = c.channels.filter((ch) => !unsubscribedBy(cart.customer, ch, decideAtMs));
    const exposureAt = (t: number): ExposureContext => ({
      recentSends: countSince(sendsOf[cart.customer]!.map((s) => s.atMs), t - 7 * DAY_MS, t),
      recentDiscounts: countSince(discountsOf[cart.customer]!, t - 90 * DAY_MS, t),
      recentBuyer,
    });
    const action = policy.decide({
      cart,
      customerKey: `cus_sim${cart.customer}`,
      workflowId: options.workflowIdOf?.(cart) ?? `cart-abandon:sim:cus_sim${cart.customer}:${cart.id}`,
      timeZone: c.timeZone,
      decideAtMs,
      windowEndMs: decideAtMs + CART_TIMING.sendWindowMs,
      eligible,
      orders: ordersBefore(cart.customer, decideAtMs),
      truth: { world, customer: c, exposure: exposureAt(decideAtMs) },
    });
    trace.decided = true;
    if (!action) {
      trace.skip = 'no_action';
      finish(organic, 0, null, 0);
      continue;
    }
    trace.action = { ...action };
    const verdict = recheckSendTime(Math.max(action.sendAtMs, decideAtMs), action.channel, c.timeZone, sendsOf[cart.customer]!);
    if (measured) tally.deferrals += verdict.deferrals;
    const sendAtMs = verdict.ok ? verdict.atMs : null;
    if (organic !== null && (sendAtMs === null || organic <= sendAtMs)) {
      trace.skip = 'converted';
      finish(organic, 0, null, 0);
      continue;
    }
    if (sendAtMs === null || !eligible.includes(action.channel) || unsubscribedBy(cart.customer, action.channel, sendAtMs)) {
      trace.skip = sendAtMs === null ? (verdict.ok ? 'no_send_time' : verdict.reason) : 'consent_withdrawn';
      finish(organic, 0, null, 0);
      continue;
    }

    const sendAction = { ...action, sendAtMs };
    const exposure = exposureAt(sendAtMs);
    const r = realize(c, cart, sendAction, exposure, shocks);
    sendsOf[cart.customer]!.push({ atMs: sendAtMs, channel: action.channel });
    if (action.tier > 0) discountsOf[cart.customer]!.push(sendAtMs);
    sends.push({ atMs: sendAtMs, channel: action.channel, customer: cart.customer, cartId: cart.id, tier: action.tier, decideAtMs });
    trace.sentAtMs = sendAtMs;
    trace.clicked = r.clicked;
    if (r.unsubscribed) unsubscribedAt[cart.customer]![action.channel] = sendAtMs + 30 * 60_000;

    const candidates = [organic, r.orderMs].filter((t): t is number => t !== null && t >= sendAtMs);
    const orderMs = candidates.length > 0 ? Math.min(...candidates) : null;
    const discountMinor = orderMs !== null && r.clicked ? Math.round((cart.basketMinor * action.tier) / 100) : 0;
    const attributed = orderMs !== null && orderMs <= sendAtMs + CART_TIMING.attributionWindowMs;

    const sendId = `${trace.cartId}:1:${action.channel}`;
    const emit = (kind: SendOutcome['kind'], atMs: number) =>
      timeline.push({ atMs, run: () => policy.onOutcome?.({ sendId, cartId: cart.id, customer: cart.customer, channel: action.channel, tier: action.tier, kind, atMs }) });
    emit('delivered', sendAtMs);
    if (r.opened) emit('opened', sendAtMs + 60_000);
    if (r.clicked) emit('clicked', r.clickMs!);
    if (r.unsubscribed) emit('unsubscribed', sendAtMs + 30 * 60_000);
    if (attributed) emit('converted', orderMs);
    else if (!r.unsubscribed) emit('no_response', sendAtMs + CART_TIMING.attributionWindowMs);

    if (measured) {
      tally.sends++;
      tally.sendsByChannel[action.channel]++;
      if (action.tier > 0) tally.discountedSends++;
      if (action.channel === 'email') {
        tally.emailSends++;
        if (r.opened) tally.emailOpens++;
        if (!c.machineOpens) {
          tally.emailSendsHuman++;
          if (r.humanOpen) tally.emailOpensHuman++;
        }
        if (attributed) tally.emailOrders++;
      }
      if (r.clicked) tally.clicks++;
      if (r.clicked && orderMs !== null && orderMs >= r.clickMs!) tally.clickOrders++;
      if (r.unsubscribed) tally.unsubscribes++;
    }
    finish(orderMs, discountMinor, sendAtMs, C.costMinor[action.channel]);
  }
  advance(world.endMs + 8 * DAY_MS);
  return { policy: policy.name, tally, sends, traces };
}

export type { SimCart };
