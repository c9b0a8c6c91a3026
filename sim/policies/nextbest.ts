// nextbest's learned policy: the real decision models (models/index.ts) called the way the product
// calls them. Per customer a CustomerModelState, per stage a DiscountSegmentState, one ShopModelState;
// decideAction picks channel, send instant and tier; updateOnOutcome folds each outcome in when it
// happens; recordSiteActivity sees cart visits. The scheduled retrain is the product's: models/refit.ts
// (channel priors per channel and stage, population send-time curves, the site habit, the discount prior's
// rate from every segment), which learning/retrain.ts runs
// over Postgres, here over the states held in memory, weekly like the product's Schedule (daily as an
// option); stage thresholds are refitted from repeat-purchase gaps with it.
// Ablations switch one model off at its input, never by re-implementing a choice.

import { allowedMaxTier, URGENCY_HALF_LIFE_HOURS, withMaxTier } from '../../learning/decide-core.ts';
import { applyRefit, refitShop } from '../../models/refit.ts';
import {
  classifyStage,
  decideAction,
  defaultShopModelState,
  fitStageThresholds,
  newCustomerModelState,
  newDiscountSegmentState,
  recordSiteActivity,
  repeatPurchaseGaps,
  updateOnOutcome,
  DEFAULT_STAGE_THRESHOLDS,
  type ContentCandidate,
  type CustomerModelState,
  type DiscountSegmentState,
  type DiscountTier,
  type Order,
  type ShopModelState,
  type Stage,
  type StageThresholds,
} from '../../models/index.ts';
import { CALIBRATION as C } from '../calibration.ts';
import { CART_SECOND_TOUCH_MAX_TIER } from '../journey.ts';
import type { DecisionContext, Policy, SendOutcome } from '../policy.ts';
import { firstChannel } from './baselines.ts';

export type NextbestOptions = {
  name?: string;
  /** Each model can be switched off: channel → e-mail first, sendTime → no curve nor site habit (earliest allowed instant), discount → no discountable content, lifecycle → one stage for all. */
  channel?: boolean;
  sendTime?: boolean;
  discount?: boolean;
  lifecycle?: boolean;
  /** Routing learned, discount fixed to this tier (the like-for-like flat-discount comparison). */
  fixedTier?: DiscountTier;
  propensityDraws?: number;
  /**
   * Feed each cart event to recordSiteActivity (default on): the customer was on the site at that hour.
   * The product has that event at ingest; until ingest records it, `siteActivity: false` is what the
   * product does today (the real-engine sample's fast path runs that way).
   */
  siteActivity?: boolean;
  /** Retrain cadence (default weekly, as the product's Schedule); the real-engine sample runs none, so its fast path neither. */
  retrain?: 'weekly' | 'daily' | false;
};

/** Journey parameters the product's cart-abandon decide passes (activities/decide.ts). */
export const CART_DECIDE = {
  /** What learning/decide-core.ts passes for the cart journey. */
  urgencyHalfLifeHours: URGENCY_HALF_LIFE_HOURS['cart-abandon'],
  /** workflows/cart-abandon.ts: the most a cart touch may offer (its second; the first offers none). */
  maxDiscountTier: CART_SECOND_TOUCH_MAX_TIER,
} as const;

/** The one content learning/decide-core.ts offers a journey step: the step's content, discountable when the step allows a tier. */
export function cartContents(discount: boolean): ContentCandidate[] {
  return [{ type: 'cart_reminder', allowsDiscount: discount }];
}

export function nextbestShop(): ShopModelState {
  const shop = defaultShopModelState();
  shop.channelCostsMinor = { ...shop.channelCostsMinor, ...C.costMinor };
  return withMaxTier(shop, CART_DECIDE.maxDiscountTier);
}

export class NextbestPolicy implements Policy {
  readonly name: string;
  private readonly on: Required<Pick<NextbestOptions, 'channel' | 'sendTime' | 'discount' | 'lifecycle'>>;
  private shop = nextbestShop();
  private readonly customers = new Map<number, CustomerModelState>();
  private readonly orders = new Map<number, Order[]>();
  private readonly segments = new Map<string, DiscountSegmentState>();
  private readonly sent = new Map<string, { segment: string; tier: DiscountTier }>();
  private thresholds: StageThresholds = DEFAULT_STAGE_THRESHOLDS;

  constructor(private readonly options: NextbestOptions = {}) {
    this.on = { channel: options.channel ?? true, sendTime: options.sendTime ?? true, discount: options.discount ?? true, lifecycle: options.lifecycle ?? true };
    this.name = options.name ?? 'nextbest';
  }

  private customer(index: number, timeZone: string, nowMs: number): CustomerModelState {
    let c = this.customers.get(index);
    if (!c) {
      c = newCustomerModelState(timeZone, new Date(nowMs).toISOString());
      this.customers.set(index, c);
    }
    return c;
  }

  decide(ctx: DecisionContext) {
    const now = new Date(ctx.decideAtMs).toISOString();
    let customer = this.customer(ctx.cart.customer, ctx.timeZone, ctx.decideAtMs);
    const stage: Stage = this.on.lifecycle
      ? classifyStage({ orders: this.orders.get(ctx.cart.customer) ?? [], now, previousStage: customer.lifecycle.stage, thresholds: this.thresholds }).stage
      : 'new';
    if (stage !== customer.lifecycle.stage) customer = { ...customer, lifecycle: { stage, why: 'recomputed at decision', since: now } };
    this.customers.set(ctx.cart.customer, customer);
    const segment = `cart:${stage}`;
    const discount = this.segments.get(segment) ?? newDiscountSegmentState(segment, now);
    this.segments.set(segment, discount);
    const first = firstChannel(ctx.eligible);
    const channels = this.on.channel ? ctx.eligible : first ? [first] : [];
    const decision = decideAction({
      customer: this.on.sendTime ? customer : { ...customer, sendTime: {}, siteActivity: null },
      // The step's tier cap as learning/decide-core.ts applies it: the lower of the shop's and the step's.
      shop: withMaxTier(this.on.sendTime ? this.shop : { ...this.shop, sendTime: withoutHabit(this.shop.sendTime) }, allowedMaxTier(this.shop.discount.guardrails.maxTier, ctx.maxTier)),
      discount,
      consents: channels,
      reachable: channels,
      contents: cartContents(this.on.discount && this.options.fixedTier === undefined && ctx.maxTier > 0),
      window: { earliest: now, latest: new Date(ctx.windowEndMs).toISOString() },
      basketValueMinor: ctx.cart.basketMinor,
      marginRate: C.marginRate,
      now,
      seed: `${ctx.workflowId}:${ctx.step}`,
      urgencyHalfLifeHours: CART_DECIDE.urgencyHalfLifeHours,
      ...(this.options.propensityDraws !== undefined ? { propensityDraws: this.options.propensityDraws } : {}),
    });
    if (decision.action !== 'send' || !decision.channel || !decision.sendAt) return null;
    const tier = this.options.fixedTier ?? decision.discountTier ?? 0;
    this.sent.set(`${ctx.cart.id}:${ctx.step}`, { segment, tier });
    return { channel: decision.channel, sendAtMs: Date.parse(decision.sendAt), tier };
  }

  onSiteActivity(customer: number, timeZone: string, atMs: number): void {
    if (this.options.siteActivity === false) return;
    const c = this.customer(customer, timeZone, atMs);
    this.customers.set(customer, recordSiteActivity(c, new Date(atMs).toISOString(), this.shop.halfLifeDays));
  }

  onOrder(customer: number, atMs: number, valueMinor: number): void {
    const list = this.orders.get(customer) ?? [];
    list.push({ at: new Date(atMs).toISOString(), valueMinor });
    this.orders.set(customer, list);
  }

  onOutcome(o: SendOutcome): void {
    const customer = this.customers.get(o.customer);
    const sent = this.sent.get(`${o.cartId}:${o.step}`);
    if (!customer || !sent) return;
    const next = updateOnOutcome(
      { customer, discount: this.segments.get(sent.segment) ?? newDiscountSegmentState(sent.segment, new Date(o.atMs).toISOString()) },
      { sendId: o.sendId, kind: o.kind, channel: o.channel, at: new Date(o.atMs).toISOString(), discountTier: sent.tier },
      this.shop.halfLifeDays,
    );
    this.customers.set(o.customer, next.customer);
    if (next.discount) this.segments.set(sent.segment, next.discount);
  }

  /** The scheduled retrain (models/refit.ts, as learning/retrain.ts runs it) and stage thresholds. */
  onDay(nowMs: number, dayIndex: number): void {
    const cadence = this.options.retrain ?? 'weekly';
    if (cadence === false || (cadence === 'weekly' && dayIndex % 7 !== 6)) return;
    this.shop = applyRefit(this.shop, refitShop(this.customers.values(), nowMs, { halfLifeDays: this.shop.halfLifeDays }, this.segments.values()));
    this.thresholds = fitStageThresholds(repeatPurchaseGaps([...this.orders.values()].map((os) => os.map((o) => o.at))));
  }
}

/** The shop's send-time state with no curve to follow (the send-time ablation): no population curve, no site habit. */
function withoutHabit(sendTime: ShopModelState['sendTime']): ShopModelState['sendTime'] {
  const { siteHabit: _, ...rest } = sendTime;
  return { ...rest, population: {} };
}
