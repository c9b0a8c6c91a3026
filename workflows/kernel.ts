import { condition, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import * as remote from './activities.ts';
import { dispatch, localReads, localRecords } from './activities.ts';
import { AWAIT_STOPS_ON_CART_EMPTIED, CLOSE_SKIPPED_JOURNEY, LEAN_KERNEL, LOCAL_KERNEL_STEPS } from './patches.ts';
import { NbChannel, NbState, NbVariant } from './search-attributes.ts';
import { notSentReason } from './skip-reasons.ts';
import { cancelSignal, cartUpdatedSignal, journeyStatusQuery, journeyTriggeredSignal, orderPlacedSignal, unsubscribedSignal } from './signals.ts';
import type {
  CartUpdatedSignal,
  Decision,
  JourneyName,
  JourneyRef,
  JourneyResult,
  JourneyState,
  OrderPlacedSignal,
  SkipReason,
} from './types.ts';

/** One of our keyword search attributes. */
type NbKey = typeof NbState;

export type TouchResult = { sent: true; dispatchId: string; decision: Decision } | { sent: false; reason: SkipReason };

export interface TouchRequest {
  step: number;
  contentType: string;
  productIds: string[];
  /** Latest instant the send may be scheduled, as milliseconds from now. */
  windowMs: number;
  /** Highest discount tier (percent) this touch may carry; omitted: none. */
  maxDiscountTier?: number;
  /** Products shown beside `productIds` (a cart's bought-together picks): not decided on, not re-checked. */
  relatedProductIds?: string[];
}

const NEXT_STEP: Record<JourneyState, string | null> = {
  waiting: 'decide',
  deciding: 'decide',
  sleeping: 'send',
  sending: 'send',
  'awaiting-conversion': 'end of attribution window',
  done: null,
};

/** How many times a send is pushed past quiet hours or a frequency cap before the step is skipped. */
const MAX_DEFERRALS = 3;

/** A send instant closer than this is sent at once by the lean kernel: a timer costs a workflow task. */
const SEND_NOW_WITHIN_MS = 1000;

/**
 * The shared kernel of every journey: signal handling and the
 * decide → sleep → re-check → dispatch → await conversion → record steps.
 * Workflows only sleep and wait here; every calendar and time-zone calculation happens in activities.
 */
export class JourneyKernel {
  state: JourneyState = 'waiting';
  step = 0;
  nextStepAt: string | null = null;
  nextStep: string | null = null;
  order: OrderPlacedSignal | null = null;
  cart: CartUpdatedSignal | null = null;
  cartChanges = 0;
  /** Repeated triggers (a second dwell on the same product...): they restart a quiet period too. */
  retriggers = 0;
  unsubscribed = false;
  cancelled: string | null = null;
  readonly skipReasons: { step: number; reason: string }[] = [];
  readonly sent: { step: number; dispatchId: string; channel: string }[] = [];

  /** A journey's own reason to stop early (browse-abandon: the viewed product went into the cart). */
  stopWhen: (() => SkipReason | null) | null = null;

  /** The kernel for the running workflow, from its input. */
  static for(journey: JourneyName, input: { shopId: string; customerId: string }): JourneyKernel {
    return new JourneyKernel({ shopId: input.shopId, customerId: input.customerId, workflowId: workflowInfo().workflowId, journey });
  }

  /** Which way the database steps run: local activities, or (journeys started before that patch) activity tasks. */
  private readonly steps: Pick<typeof remote, 'chooseContent' | 'decide' | 'recheck' | 'recordOutcome' | 'closeSkippedJourney'>;
  /**
   * The lean kernel (patch `lean-kernel`): one attribute write per wait, no sub-second send timer.
   * It implies every earlier patch, so a new journey records one patch marker (each patched() that is
   * taken also writes the TemporalChangeVersion search attribute: a visibility write).
   */
  readonly lean: boolean;
  /** Search attributes changed since the last write (lean kernel): written together before the next wait. */
  private readonly pendingAttributes = new Map<NbKey, string>();

  constructor(readonly ref: JourneyRef) {
    this.lean = patched(LEAN_KERNEL);
    this.steps = this.lean || patched(LOCAL_KERNEL_STEPS)
      ? { chooseContent: localReads.chooseContent, decide: localReads.decide, recheck: localReads.recheck, recordOutcome: localRecords.recordOutcome, closeSkippedJourney: localRecords.closeSkippedJourney }
      : remote;
    setHandler(orderPlacedSignal, (order) => {
      this.order ??= order;
    });
    setHandler(cartUpdatedSignal, (cart) => {
      this.cart = cart;
      this.cartChanges += 1;
    });
    setHandler(journeyTriggeredSignal, () => {
      this.retriggers += 1;
    });
    setHandler(unsubscribedSignal, () => {
      this.unsubscribed = true;
    });
    setHandler(cancelSignal, ({ reason }) => {
      this.cancelled = reason;
    });
    setHandler(journeyStatusQuery, () => ({
      journey: ref.journey,
      state: this.state,
      step: this.step,
      nextStep: this.nextStep,
      nextStepAt: this.nextStepAt,
      skipReasons: [...this.skipReasons],
      sent: [...this.sent],
      convertedOrderId: this.order?.orderId ?? null,
    }));
  }

  /** The products this journey shows (the recommender's pick around the given ones). */
  chooseContent(request: Parameters<typeof remote.chooseContent>[0]): ReturnType<typeof remote.chooseContent> {
    return this.steps.chooseContent(request);
  }

  /** Something happened that ends the journey before its next send. */
  stopReason(): SkipReason | null {
    if (this.order) return 'converted';
    if (this.cancelled !== null) return 'cancelled';
    if (this.unsubscribed) return 'unsubscribed';
    if (this.cart?.emptied) return 'cart_emptied';
    return this.stopWhen?.() ?? null;
  }

  setState(state: JourneyState, nextStepAt: string | null = null, nextStep: string | null = NEXT_STEP[state]): void {
    this.state = state;
    this.nextStepAt = nextStepAt;
    this.nextStep = nextStep;
    this.setAttributes([[NbState, state]]);
  }

  /**
   * Search attributes for the Temporal UI. The lean kernel keeps them until the journey next waits (or
   * ends) and writes them in one upsert: each upsert is a visibility write on the server, and a state
   * that lasts only inside one workflow task (deciding) is never seen by anyone.
   */
  private setAttributes(values: [NbKey, string][]): void {
    if (!this.lean) {
      upsertSearchAttributes(values.map(([key, value]) => ({ key, value })));
      return;
    }
    for (const [key, value] of values) this.pendingAttributes.set(key, value);
  }

  /** Writes the attributes kept since the last wait (lean kernel); called before every wait and at the end. */
  private flushAttributes(): void {
    if (this.pendingAttributes.size === 0) return;
    upsertSearchAttributes([...this.pendingAttributes].map(([key, value]) => ({ key, value })));
    this.pendingAttributes.clear();
  }

  /** condition() with the pending attributes written first, so the UI shows what the journey waits in. */
  private wait(until: () => boolean, ms: number): Promise<boolean> {
    this.flushAttributes();
    return condition(until, ms);
  }

  /** Waits until `ms` have passed with no cart change or repeated trigger; each one starts the wait again. */
  async waitQuietPeriod(ms: number): Promise<void> {
    for (;;) {
      const seen = this.cartChanges + this.retriggers;
      this.setState('waiting', new Date(Date.now() + ms).toISOString());
      const interrupted = await this.wait(() => this.cartChanges + this.retriggers !== seen || this.stopReason() !== null, ms);
      if (!interrupted || this.stopReason() !== null) return;
    }
  }

  /** Waits `ms` (a delay suited to the journey), waking early only if it must stop. False when it must stop. */
  async waitFor(ms: number, nextStep: string): Promise<boolean> {
    this.setState('waiting', new Date(Date.now() + ms).toISOString(), nextStep);
    if (ms > 0) await this.wait(() => this.stopReason() !== null, ms);
    return this.stopReason() === null;
  }

  /** Sleeps until `at`, waking early only if the journey must stop. Returns false when it must stop. */
  async sleepUntil(at: string): Promise<boolean> {
    const ms = Date.parse(at) - Date.now();
    if (ms >= (this.lean ? SEND_NOW_WITHIN_MS : 1)) await this.wait(() => this.stopReason() !== null, ms);
    return this.stopReason() === null;
  }

  async touch(request: TouchRequest): Promise<TouchResult> {
    this.step = request.step;
    const stop = this.stopReason();
    if (stop) return this.skip(stop);
    this.setState('deciding');
    const now = Date.now();
    const decision = await this.steps.decide({
      ...this.ref,
      step: request.step,
      contentType: request.contentType,
      productIds: request.productIds,
      earliest: new Date(now).toISOString(),
      latest: new Date(now + request.windowMs).toISOString(),
      ...(request.maxDiscountTier ? { maxDiscountTier: request.maxDiscountTier } : {}),
    });
    if (decision.action === 'none' || decision.channel === null) return this.skip(decision.reason === 'no_send_time' ? 'no_send_time' : 'no_action');
    this.setAttributes([[NbChannel, decision.channel], [NbVariant, decision.variant ?? 'none']]);

    let sendAt = decision.sendAt;
    for (let deferrals = 0; ; deferrals++) {
      this.setState('sleeping', sendAt, `send ${request.contentType}`);
      if (!(await this.sleepUntil(sendAt))) return this.skip(this.stopReason() ?? 'cancelled');
      const check = await this.steps.recheck({
        ...this.ref,
        step: request.step,
        channel: decision.channel,
        productIds: decision.productIds,
        since: new Date(now).toISOString(),
        at: new Date(Date.now()).toISOString(),
        ...(decision.pricesMinor && (decision.discountTier > 0 || this.ref.journey === 'clearance') ? { offerPricesMinor: decision.pricesMinor } : {}),
      });
      if (check.ok) break;
      if (!check.retryAt || deferrals >= MAX_DEFERRALS) return this.skip(check.reason);
      sendAt = check.retryAt;
    }

    this.setState('sending');
    const related = request.relatedProductIds?.filter((id) => !decision.productIds.includes(id)) ?? [];
    // The attributes kept so far are written with the activity's scheduling: the journey waits for it.
    this.flushAttributes();
    const result = await dispatch({ ...this.ref, step: request.step, decision: { ...decision, sendAt, ...(related.length ? { relatedProductIds: related } : {}) } });
    if (result.status !== 'sent') return this.skip(notSentReason(result.reason));
    this.sent.push({ step: request.step, dispatchId: result.dispatchId, channel: decision.channel });
    return { sent: true, dispatchId: result.dispatchId, decision };
  }

  /** Waits for the order that converts this journey, up to the attribution window. */
  async awaitConversion(windowMs: number): Promise<boolean> {
    this.setState('awaiting-conversion', new Date(Date.now() + windowMs).toISOString());
    if (this.lean || patched(AWAIT_STOPS_ON_CART_EMPTIED)) await this.wait(() => this.order !== null || this.stopReason() !== null, windowMs);
    else await this.wait(() => this.order !== null || this.cancelled !== null || this.unsubscribed, windowMs);
    return this.order !== null;
  }

  /** Records that a step was skipped, with its reason (a skip is an outcome, never silence). */
  async skip(reason: SkipReason): Promise<TouchResult> {
    this.skipReasons.push({ step: this.step, reason });
    await this.steps.recordOutcome({ ...this.ref, step: this.step, kind: 'skipped', reason });
    return { sent: false, reason };
  }

  /** Records how the journey ended and returns it. The last sent message gets the credit for an order. */
  async finish(): Promise<JourneyResult> {
    const last = this.sent.at(-1) ?? null;
    const outcome: JourneyResult['outcome'] = this.order
      ? 'converted'
      : this.cancelled !== null
        ? 'cancelled'
        : this.unsubscribed
          ? 'unsubscribed'
          : this.sent.length > 0
            ? 'no_conversion'
            : 'skipped';
    const reason = outcome === 'converted' && !last ? 'converted_before_send' : (this.cancelled ?? this.skipReasons.at(-1)?.reason ?? null);
    if (outcome !== 'skipped') {
      await this.steps.recordOutcome({
        ...this.ref,
        step: this.step,
        kind: outcome,
        reason,
        dispatchId: outcome === 'converted' ? (last?.dispatchId ?? null) : null,
        orderId: this.order?.orderId ?? null,
        valueMinor: this.order?.valueMinor ?? null,
      });
    } else if (this.lean || patched(CLOSE_SKIPPED_JOURNEY)) await this.steps.closeSkippedJourney({ ...this.ref, reason });
    this.setState('done');
    this.flushAttributes();
    return { outcome, reason, dispatchIds: this.sent.map((s) => s.dispatchId), orderId: this.order?.orderId ?? null };
  }
}
