// Runs one policy over one world: every cart in time order through the cart-abandon journey, the
// customer answering from their hidden preferences and the cart's shocks, and the policy hearing each
// outcome only when it happens. Returns the tally of the measured weeks and every send for the checker.

import type { PersonChannel } from '../models/index.ts';
import { CALIBRATION as C } from './calibration.ts';
import { CART_SECOND_TOUCH_DELAY_MS, CART_SECOND_TOUCH_MAX_TIER, CART_TIMING, recheckSendTime, type PriorSend } from './journey.ts';
import { emptyTally, type Tally } from './metrics.ts';
import type { Policy, SendOutcome } from './policy.ts';
import { cartShocks, touchShocks } from './random.ts';
import { organicOrderMs, realize, RECOVERY_HORIZON_MS, type ExposureContext, type MessageResponse, type SendAction } from './response.ts';
import type { SimCart, World } from './world.ts';

const DAY_MS = 86_400_000;

export type SendRecord = PriorSend & { customer: number; cartId: string; tier: number; decideAtMs: number; step: number };

/** One touch of a cart journey: decided or not, what was chosen, when it went out, why not. */
export type TouchTrace = {
  decided: boolean;
  action: { channel: PersonChannel; sendAtMs: number; tier: number } | null;
  sentAtMs: number | null;
  skip: string | null;
  clicked: boolean;
};

/** What happened to one cart under one policy (its first touch, then its second): the real-engine sample compares these. */
export type CartTrace = TouchTrace & {
  cartId: string;
  customer: number;
  /** The second touch, when the journey reached it (null: it ended before). */
  second: TouchTrace | null;
  orderMs: number | null;
  /** The touch credited with the order (the last sent before it, within its attribution window), if any. */
  creditedStep: number | null;
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
  /** Run the journey's second touch (default, as the product does); false: the first touch only. */
  secondTouch?: boolean;
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
    const trace: CartTrace = { cartId: cart.id, customer: cart.customer, decided: false, action: null, sentAtMs: null, skip: null, clicked: false, orderMs: null, discountMinor: 0, second: null, creditedStep: null };
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
    const exposureAt = (t: number): ExposureContext => ({
      recentSends: countSince(sendsOf[cart.customer]!.map((s) => s.atMs), t - 7 * DAY_MS, t),
      recentDiscounts: countSince(discountsOf[cart.customer]!, t - 90 * DAY_MS, t),
      recentBuyer,
    });
    // The journey's touches (workflows/cart-abandon.ts): the reminder; then, unless an order or an
    // unsubscribe ended the journey, a second touch secondTouchDelayMs after the first touch ended.
    type Sent = { step: number; action: SendAction; r: MessageResponse };
    const sent: Sent[] = [];
    const emitOutcome = (m: Sent, kind: SendOutcome['kind'], atMs: number) => timeline.push({ atMs, run: () => policy.onOutcome?.({
      sendId: `${cart.id}:${m.step}:${m.action.channel}`, cartId: cart.id, step: m.step, customer: cart.customer, channel: m.action.channel, tier: m.action.tier, kind, atMs }) });
    /** The first order so far: organic, or from a message sent (an order can only follow its message). */
    const firstOrder = () => Math.min(organic ?? Infinity, ...sent.map((m) => m.r.orderMs ?? Infinity));
    const unsubscribedSince = (t: number) => Object.values(unsubscribedAt[cart.customer]!).some((u) => u !== undefined && u > cart.atMs && u <= t);
    const touches = options.secondTouch === false || CART_SECOND_TOUCH_DELAY_MS === 0 ? 1 : 2;
    let touchAtMs = decideAtMs;
    for (let step = 1; step <= touches; step++) {
      const t: TouchTrace = step === 1 ? trace : { decided: false, action: null, sentAtMs: null, skip: null, clicked: false };
      if (step === 2) {
        if (firstOrder() <= touchAtMs || unsubscribedSince(touchAtMs)) break;
        trace.second = t;
      }
      advance(touchAtMs);
      const eligible = c.channels.filter((ch) => !unsubscribedBy(cart.customer, ch, touchAtMs));
      const action = policy.decide({
        cart,
        step,
        maxTier: step === 1 ? 0 : CART_SECOND_TOUCH_MAX_TIER,
        customerKey: `cus_sim${cart.customer}`,
        workflowId: options.workflowIdOf?.(cart) ?? `cart-abandon:sim:cus_sim${cart.customer}:${cart.id}`,
        timeZone: c.timeZone,
        decideAtMs: touchAtMs,
        windowEndMs: touchAtMs + CART_TIMING.sendWindowMs,
        eligible,
        orders: ordersBefore(cart.customer, touchAtMs),
        truth: { world, customer: c, exposure: exposureAt(touchAtMs) },
      });
      t.decided = true;
      if (!action) {
        t.skip = 'no_action';
        touchAtMs += CART_SECOND_TOUCH_DELAY_MS;
        continue;
      }
      t.action = { ...action };
      const verdict = recheckSendTime(Math.max(action.sendAtMs, touchAtMs), action.channel, c.timeZone, sendsOf[cart.customer]!);
      if (measured) tally.deferrals += verdict.deferrals;
      // An order before the send (or before the re-check gave up) ends the journey: converted before send.
      if (firstOrder() <= (verdict.ok ? verdict.atMs : verdict.lastCheckMs)) {
        t.skip = 'converted';
        break;
      }
      if (!verdict.ok || !eligible.includes(action.channel) || unsubscribedBy(cart.customer, action.channel, verdict.atMs)) {
        t.skip = verdict.ok ? 'consent_withdrawn' : verdict.reason;
        touchAtMs = (verdict.ok ? verdict.atMs : verdict.lastCheckMs) + CART_SECOND_TOUCH_DELAY_MS;
        continue;
      }
      const sendAction = { ...action, sendAtMs: verdict.atMs };
      const r = realize(c, cart, sendAction, exposureAt(verdict.atMs), step === 1 ? shocks : touchShocks(world.seed, cart.customer, cart.seq, step));
      const m = { step, action: sendAction, r };
      sent.push(m);
      // What the message met reaches the policy when it happens, so a later touch decides knowing it;
      // its conversion (or none) once the journey's order is known, below.
      emitOutcome(m, 'delivered', verdict.atMs);
      if (r.opened) emitOutcome(m, 'opened', verdict.atMs + 60_000);
      if (r.clicked) emitOutcome(m, 'clicked', r.clickMs!);
      if (r.unsubscribed) emitOutcome(m, 'unsubscribed', verdict.atMs + 30 * 60_000);
      sendsOf[cart.customer]!.push({ atMs: verdict.atMs, channel: action.channel });
      if (action.tier > 0) discountsOf[cart.customer]!.push(verdict.atMs);
      sends.push({ atMs: verdict.atMs, channel: action.channel, customer: cart.customer, cartId: cart.id, tier: action.tier, decideAtMs: touchAtMs, step });
      t.sentAtMs = verdict.atMs;
      t.clicked = r.clicked;
      if (r.unsubscribed) unsubscribedAt[cart.customer]![action.channel] = verdict.atMs + 30 * 60_000;
      touchAtMs = verdict.atMs + CART_SECOND_TOUCH_DELAY_MS;
    }

    const order = firstOrder();
    const orderMs = Number.isFinite(order) ? order : null;
    // The order carries the biggest discount of the messages clicked before it; the last message sent
    // before it gets the credit if the order came within its attribution window (the kernel's last touch).
    const discountTier = Math.max(0, ...sent.filter((m) => m.r.clicked && orderMs !== null && m.r.clickMs! <= orderMs).map((m) => m.action.tier));
    const discountMinor = orderMs !== null ? Math.round((cart.basketMinor * discountTier) / 100) : 0;
    const last = orderMs === null ? undefined : sent.filter((m) => m.action.sendAtMs <= orderMs).at(-1);
    const credited = last && orderMs! <= last.action.sendAtMs + CART_TIMING.attributionWindowMs ? last : undefined;
    trace.creditedStep = credited?.step ?? null;
    let costMinor = 0;
    for (const m of sent) {
      const { action, r } = m;
      costMinor += C.costMinor[action.channel];
      if (m === credited) emitOutcome(m, 'converted', orderMs!);
      else if (!r.unsubscribed) emitOutcome(m, 'no_response', action.sendAtMs + CART_TIMING.attributionWindowMs);
      if (!measured) continue;
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
        if (m === credited) tally.emailOrders++;
      }
      if (r.clicked) tally.clicks++;
      if (r.clicked && orderMs !== null && orderMs >= r.clickMs!) tally.clickOrders++;
      if (r.unsubscribed) tally.unsubscribes++;
    }
    finish(orderMs, discountMinor, credited?.action.sendAtMs ?? null, costMinor);
  }
  advance(world.endMs + 8 * DAY_MS);
  return { policy: policy.name, tally, sends, traces };
}

export type { SimCart };
