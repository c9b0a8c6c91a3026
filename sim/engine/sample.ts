// The real-engine sample: simulated customers go through the product itself. Each customer is created
// through the real ingest path and router (which starts their onboarding journey, whose welcome gives
// way to the cart journey), leaves a cart (cart_updated → router → cart-abandon workflow on
// Temporal's time-skipping server with the real activities, database and dev outbox), and answers from
// their hidden preferences with the same shocks as the fast path: an order_placed event through the
// same ingest path at the instant the world says. The fast path is then run on the same carts (same
// instants) and both are compared cart by cart.

import { and, eq } from 'drizzle-orm';
import { decisions, dispatches, products, shops } from '../../db/schema.ts';
import type { CanonicalEventInput } from '../../ingest/canonical.ts';
import { applyEvent } from '../../ingest/entry.ts';
import { routeEvent } from '../../journeys/router.ts';
import { recordDispatchOutcome } from '../../channels/feedback.ts';
import { createJourneyHarness, type JourneyHarness } from '../../test/temporal.ts';
import { journeyStatusQuery } from '../../workflows/signals.ts';
import type { JourneyResult, JourneyStatusView } from '../../workflows/types.ts';
import { CART_SECOND_TOUCH_DELAY_MS, CART_TIMING } from '../journey.ts';
import { cartShocks, touchShocks } from '../random.ts';
import { organicOrderMs, realize } from '../response.ts';
import { runPolicy, type CartTrace, type TouchTrace } from '../run.ts';
import type { PolicyName } from '../experiment.ts';
import { NextbestPolicy } from '../policies/nextbest.ts';
import type { Scenario } from '../scenario.ts';
import { generateWorld, type SimCart, type SimCustomer, type World } from '../world.ts';

const SHOP = 'sim-shop';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Real time a journey may take from its send instant to having sent (or ended). */
const JOURNEY_STEP_TIMEOUT_MS = 120_000;

/** One touch of the engine's journey: its stored decision and what went out. */
export type EngineTouch = { decision: StoredDecision | null; channel: string | null; sentAtMs: number | null; tier: number };
/** The first touch's fields, the second touch (null: not reached), how the journey ended and how many messages it sent. */
export type EngineCart = EngineTouch & { cartId: string; workflowId: string; reason: string | null; customer: number; outcome: JourneyResult['outcome']; sends: number; orderMs: number | null;
  second: EngineTouch | null;
  /** When the cart journey ended, and how the customer's onboarding journey (started by the same ingest) ended and when it sent, if it did. */
  endedAtMs: number | null;
  onboarding: { outcome: JourneyResult['outcome']; reason: string | null; sentAtMs: number | null } };
/**
 * decisionAgrees: same send-or-not, channel, instant (±1 min) and tier from decide. agree: that and the
 * same delivery and conversion. A cart the engine decided alike but failed to deliver has
 * decisionAgrees without agree, and `why` names the journey's skip reason.
 */
export type CartComparison = { cartId: string; engine: EngineCart; fast: CartTrace; decisionAgrees: boolean; agree: boolean; why: string | null };

/**
 * The policy activities/decide.ts runs for the cart journey's touches: the decision models over the
 * stored posteriors, one content per step, discountable on the second touch only (up to 15 %), default
 * propensity draws. In the fast path that is `nextbest`, without the refit and site activity the sample does not run.
 */
export const ENGINE_POLICY: PolicyName = 'nextbest';

export async function runEngineSample(scenario: Scenario, seed: number, customers: number): Promise<CartComparison[]> {
  const generated = generateWorld({ ...scenario, customers }, seed);
  // The product has no push address for a customer (contacts hold e-mail and phone only).
  const world = { ...generated, customers: generated.customers.map((c) => ({ ...c, channels: c.channels.filter((ch) => ch !== 'push') })) };
  const h = await createJourneyHarness();
  try {
    await h.database.db.insert(shops).values({ id: SHOP, name: 'Simulated shop', currency: 'EUR', timezone: scenario.shopTimeZone });
    const engine: EngineCart[] = [];
    const carts: SimCart[] = [];
    await h.withWorker(async () => {
      for (const c of world.customers) {
        const cart = world.carts.find((k) => k.customer === c.index);
        if (!cart) continue;
        const at = await h.env.currentTimeMs();
        const timed = { ...cart, atMs: at };
        carts.push(timed);
        engine.push(await runOneCart(h, world, c, timed));
      }
    });
    return compare(engine, fastPath(world, carts, new Map(engine.map((e) => [e.cartId, e.workflowId]))));
  } finally {
    await h.close();
  }
}

let eventSeq = 0;
async function send(h: JourneyHarness, event: CanonicalEventInput): Promise<string[]> {
  const effect = await applyEvent(h.deps, SHOP, 'api', event as never);
  return routeEvent(h.client, SHOP, 'api', effect);
}

async function runOneCart(h: JourneyHarness, world: World, c: SimCustomer, cart: SimCart): Promise<EngineCart> {
  const userId = `sim-${world.seed}-${c.index}`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const phone = c.channels.some((ch) => ch === 'sms' || ch === 'whatsapp') ? { phone: `+4915${String(100000000 + c.index).slice(0, 9)}` } : {};
  // A new customer: the router starts their onboarding journey too. Its welcome gives way to the cart
  // journey while that runs (activities/recheck.ts YIELDS_TO), so it cannot take the reminder's slot.
  const onboarding = await send(h, {
    type: 'customer_updated', eventId: `sim-cust-${++eventSeq}`, occurredAt: iso(cart.atMs),
    customer: { userId, email: `sim${c.index}@example.com`, timezone: c.timeZone, ...phone },
    consents: (['email', 'sms', 'whatsapp', 'push'] as const).map((channel) => ({ channel, granted: c.channels.includes(channel) })),
  });
  const productId = `p-${cart.id}`;
  await h.database.db.insert(products).values({ shopId: SHOP, id: productId, title: `Cart ${cart.id}`, category: `cat-${cart.category}`, priceMinor: cart.basketMinor, currency: 'EUR', stock: 10 });
  const [workflowId] = await send(h, {
    type: 'cart_updated', eventId: `sim-cart-${++eventSeq}`, occurredAt: iso(cart.atMs), customer: { userId }, cartId: cart.id, currency: 'EUR',
    items: [{ productId, quantity: 1, priceMinor: cart.basketMinor }],
  });
  if (!workflowId) throw new Error(`cart ${cart.id} started no journey: check the router's cart-abandon trigger`);
  if (onboarding.length !== 1) throw new Error(`customer ${c.index} started ${onboarding.length} journeys, not their onboarding: check the router's new-customer trigger`);
  const shocks = cartShocks(world.seed, c.index, cart.seq);
  const organic = organicOrderMs(c, cart, { recentBuyer: false }, shocks);
  const sleepTo = async (t: number) => {
    const now = await h.env.currentTimeMs();
    if (t > now) await h.env.sleep(t - now);
  };
  const order = async (t: number) => {
    await sleepTo(t);
    await send(h, {
      type: 'order_placed', eventId: `sim-order-${++eventSeq}`, occurredAt: iso(await h.env.currentTimeMs()), customer: { userId },
      orderId: `o-${cart.id}`, currency: 'EUR', totalMinor: cart.basketMinor, discountMinor: 0, lines: [{ productId, quantity: 1, priceMinor: cart.basketMinor }],
    });
  };
  const handle = h.env.client.workflow.getHandle(workflowId);
  const touches: EngineTouch[] = [];
  const result = async (orderMs: number | null): Promise<EngineCart> => {
    const r = (await handle.result()) as JourneyResult;
    const welcome = (await h.env.client.workflow.getHandle(onboarding[0]!).result()) as JourneyResult;
    const [welcomed] = await h.database.db.select({ at: dispatches.sentAt }).from(dispatches).where(and(eq(dispatches.workflowId, onboarding[0]!), eq(dispatches.status, 'sent')));
    // The server's clock, which time skipping moves (the journeys row holds the activity's wall clock).
    const ended = (await handle.describe()).closeTime;
    const first = touches[0] ?? { decision: await storedDecision(h, workflowId, 1), channel: null, sentAtMs: null, tier: 0 };
    return { cartId: cart.id, workflowId, ...first, reason: r.reason, customer: c.index, outcome: r.outcome, sends: r.dispatchIds.length, orderMs, second: touches[1] ?? null,
      endedAtMs: ended?.getTime() ?? null, onboarding: { outcome: welcome.outcome, reason: welcome.reason, sentAtMs: welcomed?.at?.getTime() ?? null } };
  };

  // The journey's touches as the world answers them: the first after the quiet period, the second a
  // day after the first ended, unless the customer ordered first (organically or from the first message).
  let orderMs = organic;
  let touchAt = cart.atMs + CART_TIMING.quietPeriodMs;
  for (let step = 1; step <= 2; step++) {
    if (orderMs !== null && orderMs <= touchAt) break;
    await sleepTo(touchAt + MINUTE);
    const decision = await awaitDecision(h, workflowId, step);
    const touch: EngineTouch = { decision, channel: null, sentAtMs: null, tier: 0 };
    touches.push(touch);
    if (!decision || decision.action !== 'send' || !decision.channel) {
      touchAt += CART_SECOND_TOUCH_DELAY_MS;
      continue;
    }
    const sendAtMs = Date.parse(decision.sendAt);
    if (orderMs !== null && orderMs <= sendAtMs) break;
    await sleepTo(sendAtMs + MINUTE);
    await awaitSendOrEnd(h, workflowId, sendAtMs);
    const sent = await dispatchOf(h, workflowId, step);
    touchAt = sendAtMs + CART_SECOND_TOUCH_DELAY_MS;
    if (sent?.status !== 'sent') continue;
    Object.assign(touch, { channel: decision.channel, sentAtMs: sendAtMs, tier: decision.discountTier });
    const earlier = touches.filter((t) => t !== touch && t.sentAtMs !== null);
    const exposure = { recentSends: earlier.filter((t) => t.sentAtMs! > sendAtMs - 7 * DAY).length, recentDiscounts: earlier.filter((t) => t.tier > 0).length, recentBuyer: false };
    const r = realize(c, cart, { channel: decision.channel as never, sendAtMs, tier: decision.discountTier as never }, exposure, step === 1 ? shocks : touchShocks(world.seed, c.index, cart.seq, step));
    if (r.orderMs !== null && (orderMs === null || r.orderMs < orderMs)) orderMs = r.orderMs;
    // What the customer did with the message reaches the product as it would, in time order: a click
    // through the link handler's outcome path (the models learn from it before the next touch), an
    // unsubscribe as a consent withdrawal through ingest (the router tells the running journeys).
    const answers: { at: number; run: () => Promise<void> }[] = [];
    if (r.clicked) answers.push({ at: r.clickMs!, run: async () => recordDispatchOutcome(h.database.db, (await dispatchOf(h, workflowId, step))!, 'clicked', new Date(r.clickMs!)) });
    if (r.unsubscribed && (orderMs === null || orderMs > sendAtMs + 30 * MINUTE)) {
      answers.push({ at: sendAtMs + 30 * MINUTE, run: async () => { await send(h, { type: 'customer_updated', eventId: `sim-unsub-${++eventSeq}`, occurredAt: iso(await h.env.currentTimeMs()),
        customer: { userId }, consents: [{ channel: decision.channel as never, granted: false }] }); } });
    }
    // Only what comes before the order: the order itself ends the journey (placed below).
    for (const a of answers.filter((x) => orderMs === null || x.at < orderMs).sort((x, y) => x.at - y.at)) {
      await sleepTo(a.at);
      await a.run();
    }
  }
  if (orderMs !== null) await order(orderMs);
  return result(orderMs);
}

async function dispatchOf(h: JourneyHarness, workflowId: string, step: number) {
  const [row] = await h.database.db.select().from(dispatches).where(and(eq(dispatches.workflowId, workflowId), eq(dispatches.step, step)));
  return row;
}

/** The fields of a stored decision (decisions.decision) the sample reads. */
export type StoredDecision = { action: string; channel: string | null; sendAt: string; discountTier: number };

async function storedDecision(h: JourneyHarness, workflowId: string, step: number): Promise<StoredDecision | null> {
  const [row] = await h.database.db.select({ decision: decisions.decision }).from(decisions).where(and(eq(decisions.workflowId, workflowId), eq(decisions.step, step)));
  return (row?.decision as StoredDecision | undefined) ?? null;
}

/**
 * Polls the journey until `probe` answers. Activities run in real time while the server's clock is
 * skipped: on a loaded machine a step may complete seconds after its instant, and reading too early would
 * count it as not done, the world would not answer it, and later decisions would see other evidence than
 * the fast path's.
 */
async function pollJourney<T>(h: JourneyHarness, workflowId: string, waitingFor: string, probe: (status: JourneyStatusView) => Promise<{ done: T } | null>): Promise<T> {
  const handle = h.env.client.workflow.getHandle(workflowId);
  for (const deadline = Date.now() + JOURNEY_STEP_TIMEOUT_MS; ; ) {
    const status = await handle.query(journeyStatusQuery);
    const answer = await probe(status);
    if (answer) return answer.done;
    if (Date.now() > deadline) throw new Error(`journey ${workflowId} is still "${status.state}" ${JOURNEY_STEP_TIMEOUT_MS / 1000} s after ${waitingFor}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The step's stored decision once the journey has made it; null if the journey ended or skipped the step without deciding. */
function awaitDecision(h: JourneyHarness, workflowId: string, step: number): Promise<StoredDecision | null> {
  return pollJourney(h, workflowId, `step ${step} was due: it neither decided nor ended`, async (status) => {
    const decision = await storedDecision(h, workflowId, step);
    if (decision) return { done: decision };
    return status.state === 'done' || status.skipReasons.some((s) => s.step === step) ? { done: null } : null;
  });
}

/** Waits until the journey has sent, ended, or deferred the send (a re-check sleeping past the instant: quiet hours, a cap). */
function awaitSendOrEnd(h: JourneyHarness, workflowId: string, sendAtMs: number): Promise<void> {
  return pollJourney(h, workflowId, 'its send instant: it neither sent nor ended', async (status) =>
    status.state === 'awaiting-conversion' || status.state === 'done' || (status.state === 'sleeping' && status.nextStepAt !== null && Date.parse(status.nextStepAt) > sendAtMs + MINUTE)
      ? { done: undefined } : null);
}

/** The fast path on the same carts at the same instants: each customer's one cart, nothing else. */
function fastPath(world: World, carts: readonly SimCart[], workflowIds: ReadonlyMap<string, string>): CartTrace[] {
  const w: World = { ...world, carts: [...carts].sort((a, b) => a.atMs - b.atMs), directOrders: [], startMs: carts[0]?.atMs ?? 0, evalStartMs: 0, endMs: Number.MAX_SAFE_INTEGER / 2 };
  return runPolicy({ ...w, endMs: (carts.at(-1)?.atMs ?? 0) + 1 }, new NextbestPolicy({ name: ENGINE_POLICY, retrain: false, siteActivity: false }), {
    traceCustomers: new Set(carts.map((c) => c.customer)),
    workflowIdOf: (cart) => workflowIds.get(cart.id) ?? cart.id,
  }).traces;
}

function compare(engine: readonly EngineCart[], fast: readonly CartTrace[]): CartComparison[] {
  return engine.map((e) => {
    const f = fast.find((t) => t.cartId === e.cartId)!;
    const touchChecks = (label: string, ft: TouchTrace | null, et: EngineTouch | null): { decision: [boolean, string][]; delivery: [boolean, string][] } => {
      const d = et?.decision ?? null;
      const engineSends = d?.action === 'send';
      const fastSends = ft?.action != null;
      return {
        decision: [
          [(ft?.decided ?? false) === (d !== null) || (!fastSends && !engineSends), `${label} decided: fast ${ft?.decided ?? false}, engine ${d !== null}`],
          [engineSends === fastSends, `${label} decided to send: fast ${fastSends}, engine ${engineSends}`],
          [!engineSends || !fastSends || (d!.channel === ft!.action!.channel && Math.abs(Date.parse(d!.sendAt!) - ft!.action!.sendAtMs) <= MINUTE && (d!.discountTier ?? 0) === ft!.action!.tier),
            `${label} decision: fast ${ft?.action?.channel} ${iso(ft?.action?.sendAtMs ?? null)} ${ft?.action?.tier}, engine ${d?.channel} ${d?.sendAt} ${d?.discountTier}`],
        ],
        delivery: [
          [(ft?.sentAtMs ?? null) === null === ((et?.sentAtMs ?? null) === null), `${label} sent: fast ${ft?.sentAtMs != null}, engine ${et?.sentAtMs != null} (journey: ${e.outcome}${e.reason ? `, ${e.reason}` : ''})`],
          [ft?.sentAtMs == null || et?.sentAtMs == null || Math.abs(ft.sentAtMs - et.sentAtMs) <= MINUTE, `${label} send instant: fast ${iso(ft?.sentAtMs ?? null)}, engine ${iso(et?.sentAtMs ?? null)}`],
          [ft?.sentAtMs == null || (ft.action?.channel ?? null) === et?.channel, `${label} channel: fast ${ft?.action?.channel}, engine ${et?.channel}`],
          [ft?.sentAtMs == null || (ft.action?.tier ?? 0) === et?.tier, `${label} tier: fast ${ft?.action?.tier}, engine ${et?.tier}`],
        ],
      };
    };
    const first = touchChecks('first touch', f, e);
    const second = touchChecks('second touch', f.second, e.second);
    // Credited: the journey converted with a message sent (the kernel credits its last touch).
    const engineCredited = e.outcome === 'converted' && e.sends > 0;
    const decisionChecks = [...first.decision, ...second.decision];
    const checks: [boolean, string][] = [
      ...decisionChecks,
      ...first.delivery,
      ...second.delivery,
      [(f.creditedStep !== null) === engineCredited, `order credited to a message: fast ${f.creditedStep !== null ? `touch ${f.creditedStep}` : 'no'}, engine ${e.outcome} after ${e.sends} message(s)`],
      [(f.orderMs === null) === (e.orderMs === null) && (f.orderMs === null || Math.abs(f.orderMs - e.orderMs!) <= 2 * MINUTE), `order instant: fast ${iso(f.orderMs)}, engine ${iso(e.orderMs)}`],
    ];
    const failed = checks.find(([ok]) => !ok);
    return { cartId: e.cartId, engine: e, fast: f, decisionAgrees: decisionChecks.every(([ok]) => ok), agree: !failed, why: failed ? failed[1] : null };
  });
}

const iso = (ms: number | null) => (ms === null ? 'none' : new Date(ms).toISOString());
