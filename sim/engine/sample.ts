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
import { createJourneyHarness, type JourneyHarness } from '../../test/temporal.ts';
import { journeyStatusQuery } from '../../workflows/signals.ts';
import type { JourneyResult } from '../../workflows/types.ts';
import { CART_TIMING } from '../journey.ts';
import { cartShocks } from '../random.ts';
import { organicOrderMs, realize } from '../response.ts';
import { runPolicy, type CartTrace } from '../run.ts';
import type { PolicyName } from '../experiment.ts';
import { NextbestPolicy } from '../policies/nextbest.ts';
import type { Scenario } from '../scenario.ts';
import { generateWorld, type SimCart, type SimCustomer, type World } from '../world.ts';

const SHOP = 'sim-shop';
const MINUTE = 60_000;
/** Real time a journey may take from its send instant to having sent (or ended). */
const JOURNEY_STEP_TIMEOUT_MS = 120_000;

export type EngineCart = { cartId: string; workflowId: string; decision: unknown; reason: string | null; customer: number; channel: string | null; sentAtMs: number | null; tier: number; outcome: JourneyResult['outcome']; orderMs: number | null;
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
 * The policy activities/decide.ts runs for the cart journey's first touch: the decision models over
 * the stored posteriors, one content that may not carry a discount (the step names no maximum tier),
 * default propensity draws. In the fast path that is `nextbest-no-discount`.
 */
export const ENGINE_POLICY: PolicyName = 'nextbest-no-discount';

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
  const result = async (orderMs: number | null, channel: string | null, sentAtMs: number | null, tier: number): Promise<EngineCart> => {
    const r = (await h.env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    const welcome = (await h.env.client.workflow.getHandle(onboarding[0]!).result()) as JourneyResult;
    const [welcomed] = await h.database.db.select({ at: dispatches.sentAt }).from(dispatches).where(and(eq(dispatches.workflowId, onboarding[0]!), eq(dispatches.status, 'sent')));
    // The server's clock, which time skipping moves (the journeys row holds the activity's wall clock).
    const ended = (await h.env.client.workflow.getHandle(workflowId).describe()).closeTime;
    const [stored] = await h.database.db.select({ decision: decisions.decision }).from(decisions).where(and(eq(decisions.workflowId, workflowId), eq(decisions.step, 1)));
    return { cartId: cart.id, workflowId, decision: stored?.decision ?? null, reason: r.reason, customer: c.index, channel, sentAtMs, tier, outcome: r.outcome, orderMs,
      endedAtMs: ended?.getTime() ?? null, onboarding: { outcome: welcome.outcome, reason: welcome.reason, sentAtMs: welcomed?.at?.getTime() ?? null } };
  };

  const decideAt = cart.atMs + CART_TIMING.quietPeriodMs;
  if (organic !== null && organic <= decideAt) {
    await order(organic);
    return result(organic, null, null, 0);
  }
  await sleepTo(decideAt + MINUTE);
  const [row] = await h.database.db.select({ decision: decisions.decision }).from(decisions).where(and(eq(decisions.workflowId, workflowId), eq(decisions.step, 1)));
  const decision = row?.decision as { action: string; channel: string | null; sendAt: string; discountTier: number } | undefined;
  if (!decision || decision.action !== 'send' || !decision.channel) {
    if (organic !== null) await order(organic);
    return result(organic, null, null, 0);
  }
  const sendAtMs = Date.parse(decision.sendAt);
  if (organic !== null && organic <= sendAtMs) {
    await order(organic);
    return result(organic, null, null, 0);
  }
  await sleepTo(sendAtMs + MINUTE);
  // Activities run in real time while the server's clock is skipped: wait until the journey has sent or ended.
  // On a loaded machine that can take many seconds; reading the dispatch before it is done would count
  // the cart as not sent, the world would not answer it, and every later decision would see other
  // evidence than the fast path's.
  const handle = h.env.client.workflow.getHandle(workflowId);
  for (const deadline = Date.now() + JOURNEY_STEP_TIMEOUT_MS; ; ) {
    const status = await handle.query(journeyStatusQuery);
    if (status.state === 'awaiting-conversion' || status.state === 'done') break;
    // A re-check that deferred the send (quiet hours, a cap) sleeps past this instant: not sent now.
    if (status.state === 'sleeping' && status.nextStepAt !== null && Date.parse(status.nextStepAt) > sendAtMs + MINUTE) break;
    if (Date.now() > deadline) throw new Error(`journey ${workflowId} is still "${status.state}" ${JOURNEY_STEP_TIMEOUT_MS / 1000} s after its send instant: it neither sent nor ended`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [sent] = await h.database.db.select({ status: dispatches.status }).from(dispatches).where(eq(dispatches.workflowId, workflowId));
  if (sent?.status !== 'sent') return result(organic, null, null, 0);
  const r = realize(c, cart, { channel: decision.channel as never, sendAtMs, tier: decision.discountTier as never }, { recentSends: 0, recentDiscounts: 0, recentBuyer: false }, shocks);
  const candidates = [organic, r.orderMs].filter((t): t is number => t !== null && t >= sendAtMs);
  const orderMs = candidates.length > 0 ? Math.min(...candidates) : null;
  if (orderMs !== null && orderMs <= sendAtMs + CART_TIMING.attributionWindowMs) await order(orderMs);
  return result(orderMs, decision.channel, sendAtMs, decision.discountTier);
}

/** The fast path on the same carts at the same instants: each customer's one cart, nothing else. */
function fastPath(world: World, carts: readonly SimCart[], workflowIds: ReadonlyMap<string, string>): CartTrace[] {
  const w: World = { ...world, carts: [...carts].sort((a, b) => a.atMs - b.atMs), directOrders: [], startMs: carts[0]?.atMs ?? 0, evalStartMs: 0, endMs: Number.MAX_SAFE_INTEGER / 2 };
  return runPolicy({ ...w, endMs: (carts.at(-1)?.atMs ?? 0) + 1 }, new NextbestPolicy({ name: ENGINE_POLICY, discount: false, retrain: false, siteActivity: false }), {
    traceCustomers: new Set(carts.map((c) => c.customer)),
    workflowIdOf: (cart) => workflowIds.get(cart.id) ?? cart.id,
  }).traces;
}

function compare(engine: readonly EngineCart[], fast: readonly CartTrace[]): CartComparison[] {
  return engine.map((e) => {
    const f = fast.find((t) => t.cartId === e.cartId)!;
    const fastConverted = f.orderMs !== null && (f.sentAtMs === null || f.orderMs <= f.sentAtMs + CART_TIMING.attributionWindowMs);
    const engineConverted = e.outcome === 'converted';
    const d = e.decision as { action?: string; channel?: string | null; sendAt?: string; discountTier?: number } | null;
    const engineSends = d?.action === 'send';
    const decisionChecks: [boolean, string][] = [
      [engineSends === (f.action !== null), `decided to send: fast ${f.action !== null}, engine ${engineSends}`],
      [!engineSends || !f.action || (d!.channel === f.action.channel && Math.abs(Date.parse(d!.sendAt!) - f.action.sendAtMs) <= MINUTE && (d!.discountTier ?? 0) === f.action.tier),
        `decision: fast ${f.action?.channel} ${iso(f.action?.sendAtMs ?? null)} ${f.action?.tier}, engine ${d?.channel} ${d?.sendAt} ${d?.discountTier}`],
    ];
    const checks: [boolean, string][] = [
      ...decisionChecks,
      [(f.sentAtMs === null) === (e.sentAtMs === null), `sent: fast ${f.sentAtMs !== null}, engine ${e.sentAtMs !== null} (journey: ${e.outcome}${e.reason ? `, ${e.reason}` : ''})`],
      [f.sentAtMs === null || e.sentAtMs === null || Math.abs(f.sentAtMs - e.sentAtMs) <= MINUTE, `send instant: fast ${iso(f.sentAtMs)}, engine ${iso(e.sentAtMs)}`],
      [(f.action?.channel ?? null) === e.channel || f.sentAtMs === null, `channel: fast ${f.action?.channel}, engine ${e.channel}`],
      [(f.action?.tier ?? 0) === e.tier, `tier: fast ${f.action?.tier}, engine ${e.tier}`],
      [fastConverted === engineConverted || (f.orderMs !== null && f.sentAtMs === null && e.outcome === 'converted'), `converted: fast ${fastConverted}, engine ${e.outcome}`],
      [f.orderMs === null || e.orderMs === null || Math.abs(f.orderMs - e.orderMs) <= 2 * MINUTE, `order instant: fast ${iso(f.orderMs)}, engine ${iso(e.orderMs)}`],
    ];
    const failed = checks.find(([ok]) => !ok);
    // Decisions are only comparable for carts that reached decide in both (an early order ends both first).
    const decisionAgrees = (f.decided !== (d !== null)) ? false : decisionChecks.every(([ok]) => ok);
    return { cartId: e.cartId, engine: e, fast: f, decisionAgrees: d === null && !f.decided ? true : decisionAgrees, agree: !failed, why: failed ? failed[1] : null };
  });
}

const iso = (ms: number | null) => (ms === null ? 'none' : new Date(ms).toISOString());
