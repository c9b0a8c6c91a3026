import type { CustomerContext } from '../activities/customer-context.ts';
import { decideAction, type Decision as ModelDecision } from '../models/decide.ts';
import type { CustomerModelState, DiscountSegmentState, ShopModelState } from '../models/state.ts';
import { DISCOUNT_TIERS, PERSON_CHANNELS, type DiscountTier, type PersonChannel } from '../models/types.ts';
import type { DecideRequest, Decision, JourneyName } from '../workflows/types.ts';
import type { VariantChanges } from '../db/schema-experiments.ts';
import type { ShopModel } from './model-store.ts';
import { channelsUnderPolicy, discountUnderPolicy } from './policies.ts';

/** How fast a send loses value when delayed: a cart goes cold in hours, a win-back offer keeps for days. */
export const URGENCY_HALF_LIFE_HOURS: Record<JourneyName, number> = {
  'cart-abandon': 12,
  'browse-abandon': 24,
  onboarding: 12,
  'cross-sell': 72,
  clearance: 48,
  'win-back': 168,
};

export interface DecisionInputs {
  request: DecideRequest;
  context: Pick<CustomerContext, 'consent' | 'reachable'>;
  shop: ShopModel;
  customer: CustomerModelState;
  discount: DiscountSegmentState;
  basketValueMinor: number;
  timeScale: number;
  /** Monte-Carlo draws behind the propensities; fewer is faster (campaign batches). */
  propensityDraws?: number;
  /** An experiment arm's changes: policies imposed instead of the learned ones, copy style, engine. */
  changes?: VariantChanges | null;
}

const isPerson = (c: string): c is PersonChannel => (PERSON_CHANNELS as readonly string[]).includes(c);

/**
 * One journey step's decision from loaded state: the models' choice (models/decide.ts) turned into the
 * journey's Decision, plus the model record kept with it. Shared by the decide activity and the batch
 * path so both decide alike. The seed is the step's identity, so the same step always decides alike.
 */
export function decideStep(inputs: DecisionInputs): { decision: Decision; model: ModelDecision } {
  const { request, shop, customer, changes } = inputs;
  const policy = discountUnderPolicy(changes?.discountPolicy, allowedMaxTier(shop.state.discount.guardrails.maxTier, request.maxDiscountTier));
  const maxTier = policy.forced ?? policy.maxTier;
  const consented = Object.entries(inputs.context.consent).filter(([, granted]) => granted).map(([c]) => c).filter(isPerson);
  const model = decideAction({
    customer,
    shop: withMaxTier(shop.state, maxTier),
    discount: inputs.discount,
    consents: channelsUnderPolicy(changes?.channelPolicy, consented),
    reachable: inputs.context.reachable.filter(isPerson),
    contents: [{ type: request.contentType, allowsDiscount: maxTier > 0 }],
    window: { earliest: request.earliest, latest: request.latest },
    basketValueMinor: inputs.basketValueMinor,
    marginRate: shop.marginRate,
    // The workflow's clock, not the activity's: replays and time-skipping tests see the same decision.
    now: request.earliest,
    seed: `${request.workflowId}:${request.step}`,
    urgencyHalfLifeHours: URGENCY_HALF_LIFE_HOURS[request.journey],
    ...(inputs.propensityDraws === undefined ? {} : { propensityDraws: inputs.propensityDraws }),
  });
  const decision = toJourneyDecision(model, request, inputs.timeScale);
  if (policy.forced !== null && decision.action === 'send') {
    decision.discountTier = policy.forced;
    decision.propensities = { ...decision.propensities, tier: 1 };
  }
  if (changes?.copyStyle) decision.copyStyle = changes.copyStyle;
  if (changes?.engine) decision.engine = changes.engine;
  return { decision, model };
}

/** What is stored in `decisions.decision`: the journey's decision and the model's record behind it. */
export function decisionRecord(decision: Decision, model: ModelDecision, stage: string): Record<string, unknown> {
  return { ...decision, model: { reasons: model.reasons, alternatives: model.alternatives, seed: model.seed, modelSendAt: model.sendAt, stage } };
}

/** The shop's model state with its guardrails' highest tier set to `maxTier` (a step's or a policy's). */
export function withMaxTier(state: ShopModelState, maxTier: DiscountTier): ShopModelState {
  return { ...state, discount: { ...state.discount, guardrails: { ...state.discount.guardrails, maxTier } } };
}

/** The highest tier both the shop and this journey step allow. A step that names none allows none. */
export function allowedMaxTier(shopMax: DiscountTier, stepMax: number | undefined): DiscountTier {
  const cap = Math.min(shopMax, stepMax ?? 0);
  return [...DISCOUNT_TIERS].reverse().find((t) => t <= cap) ?? 0;
}

function toJourneyDecision(model: ModelDecision, request: DecideRequest, timeScale: number): Decision {
  const earliest = Date.parse(request.earliest);
  // Demo mode compresses the wait, not the choice: the chosen hour is kept in the stored model record.
  const sendAt = model.sendAt ? new Date(earliest + (Date.parse(model.sendAt) - earliest) * timeScale).toISOString() : request.earliest;
  const noTime = model.reasons.some((r) => r.includes('no channel has an allowed send time'));
  return {
    action: model.action,
    channel: model.channel,
    contentType: model.contentType ?? request.contentType,
    sendAt,
    discountTier: model.discountTier ?? 0,
    variant: null,
    propensities: {
      action: model.propensities.action,
      channel: model.propensities.channel,
      tier: model.propensities.tier,
      content: model.propensities.content,
      none: model.propensities.none,
    },
    productIds: request.productIds,
    reason: model.action === 'send' ? null : noTime ? 'no_send_time' : (model.reasons.at(-1) ?? 'no_action'),
  };
}
