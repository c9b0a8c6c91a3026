// Contracts shared by workflows, activities and the client-side lifecycle helpers. Every input and
// signal payload carries a version so a running journey can tell old payloads from new ones.

export type JourneyName = 'cart-abandon' | 'browse-abandon' | 'onboarding' | 'cross-sell' | 'clearance' | 'win-back';
export type Channel = 'email' | 'sms' | 'whatsapp' | 'push' | 'audience' | 'adbid';
export type JourneyState = 'waiting' | 'deciding' | 'sleeping' | 'sending' | 'awaiting-conversion' | 'done';

export interface JourneyTiming {
  /** Wait this long after the last trigger change before deciding (cart quiet period). */
  quietPeriodMs: number;
  /** How long after a send a conversion is credited to it. */
  attributionWindowMs: number;
  /** The latest a first send may be scheduled after the journey starts. */
  sendWindowMs: number;
}

export interface JourneyRef {
  shopId: string;
  /** Pseudonymous customer key; never an e-mail or phone. */
  customerId: string;
  workflowId: string;
  journey: JourneyName;
}

export interface DecideRequest extends JourneyRef {
  step: number;
  contentType: string;
  /** Products the touch is about (the cart's items, the viewed product...). */
  productIds: string[];
  /** Earliest and latest instants the send may happen (ISO, UTC). */
  earliest: string;
  latest: string;
}

export interface Decision {
  action: 'send' | 'none';
  channel: Channel | null;
  contentType: string;
  /** Absolute UTC instant (ISO) of the send. */
  sendAt: string;
  discountTier: number;
  variant: string | null;
  /** Probability of each random choice that was made, for offline policy evaluation. */
  propensities: Record<string, number>;
  productIds: string[];
  reason: string | null;
}

export interface RecheckRequest extends JourneyRef {
  step: number;
  channel: Channel;
  productIds: string[];
  /** Conversions after this instant count (the journey's decision time). */
  since: string;
  /** The workflow's clock when it asked: quiet hours and caps are judged at this instant. */
  at: string;
}
export type RecheckResult = { ok: true } | { ok: false; reason: SkipReason; retryAt?: string };

export type SkipReason =
  | 'converted'
  | 'consent_withdrawn'
  | 'unreachable'
  | 'out_of_stock'
  | 'price_changed'
  | 'frequency_cap'
  | 'quiet_hours'
  | 'cart_emptied'
  | 'unsubscribed'
  | 'cancelled'
  | 'no_action'
  | 'no_send_time';

export interface DispatchRequest extends JourneyRef {
  step: number;
  decision: Decision;
}
export interface DispatchResult {
  dispatchId: string;
  status: 'sent' | 'failed';
  provider: string;
}

export interface OutcomeRecord extends JourneyRef {
  step: number;
  kind: 'converted' | 'no_conversion' | 'skipped' | 'unsubscribed' | 'cancelled';
  reason?: string | null;
  dispatchId?: string | null;
  orderId?: string | null;
  valueMinor?: number | null;
}

export interface OrderPlacedSignal {
  version: 1;
  orderId: string;
  valueMinor: number;
  currency: string;
  placedAt: string;
}
export interface CartUpdatedSignal {
  version: 1;
  cartId: string;
  productIds: string[];
  valueMinor: number;
  emptied: boolean;
  at: string;
}
export interface UnsubscribedSignal {
  version: 1;
  channel: Channel | 'all';
}
export interface CancelSignal {
  version: 1;
  reason: string;
}

export interface JourneyStatusView {
  journey: JourneyName;
  state: JourneyState;
  step: number;
  nextStepAt: string | null;
  skipReasons: { step: number; reason: string }[];
  sent: { step: number; dispatchId: string; channel: string }[];
  convertedOrderId: string | null;
}

export interface JourneyResult {
  outcome: 'converted' | 'no_conversion' | 'skipped' | 'cancelled' | 'unsubscribed';
  reason: string | null;
  dispatchIds: string[];
  orderId: string | null;
}
