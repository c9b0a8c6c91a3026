// Contracts shared by workflows, activities and the client-side lifecycle helpers. Every input and
// signal payload carries a version so a running journey can tell old payloads from new ones.

/** The most a cart journey's second touch may offer (its first offers none); the discount learner picks at or below it. */
export const CART_SECOND_TOUCH_MAX_DISCOUNT = 15;

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
  /** Wait after the first touch before a second one (cart-abandon); absent in v1 inputs: one touch. */
  secondTouchDelayMs?: number;
}

/** What every journey input carries; each journey adds its own trigger fields. */
export interface JourneyInputBase {
  version: 1;
  shopId: string;
  customerId: string;
  timing: JourneyTiming;
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
  /** Highest discount tier (percent) this step may offer; absent or 0: no discount (v1 requests). */
  maxDiscountTier?: number;
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
  /** Copy style the message is rendered in (an experiment arm's choice); absent: the template's first. */
  copyStyle?: string | null;
  /** Recommendation engine an experiment arm chose for this step's products; absent: the journey's default. */
  engine?: string | null;
  /** Each shown product's price (minor units) when the send was decided; absent in decisions made before it was kept. */
  pricesMinor?: Record<string, number>;
  /** Products shown beside the step's own (a cart's bought-together picks), listed apart; the workflow adds them. */
  relatedProductIds?: string[];
}

export interface RecheckRequest extends JourneyRef {
  step: number;
  channel: Channel;
  productIds: string[];
  /** Conversions after this instant count (the journey's decision time). */
  since: string;
  /** The workflow's clock when it asked: quiet hours and caps are judged at this instant. */
  at: string;
  /**
   * The offer's prices when it was decided, for a priced offer (a discount, a clearance): the send is
   * refused with price_changed if any item costs more now. Other messages show the price at send time.
   */
  offerPricesMinor?: Record<string, number>;
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
  | 'no_send_time'
  | 'no_content'
  | 'added_to_cart'
  | 'campaign_cancelled'
  /** A running cart journey of the same customer speaks to them (activities/recheck.ts YIELDS_TO). */
  | 'yielded_to_cart'
  // Refused at the moment of sending (dispatch applies the rules again, and providers may refuse):
  | 'suppressed'
  | 'render_error'
  | 'provider_rejected'
  | 'unsupported_channel';

export interface DispatchRequest extends JourneyRef {
  step: number;
  decision: Decision;
}
export interface DispatchResult {
  dispatchId: string;
  status: 'sent' | 'failed';
  provider: string;
  /** Why a failed dispatch sent nothing (activities/dispatch.ts NotSentReason). */
  reason?: string;
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
/** The trigger fired again for a running journey (a second dwell on the product, a repeated event). */
export interface TriggeredSignal {
  version: 1;
  triggerKey: string;
  at: string;
}

export interface JourneyStatusView {
  journey: JourneyName;
  state: JourneyState;
  step: number;
  /** What the journey does next (e.g. "send cart_reminder", "await conversion"); null when done. */
  nextStep?: string | null;
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

/** Products a journey step is about, chosen by the content activity (a simple rule set until the recommender is wired). */
export interface ContentRequest {
  shopId: string;
  customerId: string;
  journey: JourneyName;
  /** Products the trigger is about: the viewed product, the order's lines, the campaign's items. */
  productIds: string[];
  limit?: number;
}
export interface ContentChoice {
  productIds: string[];
  /** How the products were found (e.g. "bought-together", "category-best-sellers"). */
  source: string;
  /** A wait suited to these products before the touch (cross-sell: their replenishment time), already
   * time-scaled; null when the products suggest none and the journey's default applies. */
  delayMs: number | null;
}

/** Which items a clearance campaign is about: named products, or a category narrowed by stock or season. */
export interface CampaignTarget {
  productIds?: string[];
  category?: string;
  /** Only items with stock at or below this. */
  lowStockAtMost?: number;
  /** Only items whose `season` attribute matches. */
  season?: string;
}

export interface CampaignPlanRequest {
  shopId: string;
  campaignId: string;
  target: CampaignTarget;
  /** Requested fan-out rate; capped at what the shop allows. */
  ratePerMinute?: number;
}
export interface CampaignPlan {
  productIds: string[];
  /** Categories whose shoppers count as interested. */
  categories: string[];
  audienceTotal: number;
  ratePerMinute: number;
  batchSize: number;
}
export interface AudiencePageRequest {
  shopId: string;
  productIds: string[];
  categories: string[];
  /** Keyset cursor: the last customer key of the previous page. */
  after: string | null;
  limit: number;
}

export interface ClearanceCampaignInput {
  version: 1;
  shopId: string;
  campaignId: string;
  target: CampaignTarget;
  ratePerMinute?: number;
  /** Timing for each customer's clearance journey. */
  timing: JourneyTiming;
  /** State carried into the next run by continue-as-new; absent on the first run. */
  carry?: { plan: CampaignPlan; cursor: string | null; progress: CampaignProgress };
}

export type CampaignState = 'preparing' | 'running' | 'paused' | 'cancelled' | 'done';
export interface CampaignProgress {
  campaignId: string;
  state: CampaignState;
  audienceTotal: number;
  started: number;
  /** Customers who already had a journey for this campaign (a restarted campaign). */
  duplicates: number;
  batches: number;
  ratePerMinute: number;
  nextBatchAt: string | null;
  /** Runs of the campaign workflow so far (continue-as-new starts a new one). */
  runs: number;
}
export interface CampaignControlSignal {
  version: 1;
  reason?: string;
}
export interface RegisterJourneysRequest {
  shopId: string;
  journey: JourneyName;
  triggerKey: string;
  journeys: { workflowId: string; customerId: string }[];
}
