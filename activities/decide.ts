import { and, eq, inArray } from 'drizzle-orm';
import { decisions, products } from '../db/schema.ts';
import { discountSegmentKey, loadCustomerModel, loadDiscountSegment, loadShopModel } from '../learning/model-store.ts';
import { decideAction, type Decision as ModelDecision } from '../models/decide.ts';
import { DISCOUNT_TIERS, PERSON_CHANNELS, type DiscountTier, type PersonChannel } from '../models/types.ts';
import type { DecideRequest, Decision, JourneyName } from '../workflows/types.ts';
import { loadCustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

/** How fast a send loses value when delayed: a cart goes cold in hours, a win-back offer keeps for days. */
const URGENCY_HALF_LIFE_HOURS: Record<JourneyName, number> = {
  'cart-abandon': 12,
  'browse-abandon': 24,
  onboarding: 12,
  'cross-sell': 72,
  clearance: 48,
  'win-back': 168,
};

/**
 * Chooses channel, send instant and discount tier for one journey step with the decision models
 * (models/decide.ts) over the customer's stored posteriors, and stores the choice with its
 * propensities. A retry, or a replayed workflow, gets the stored decision back: a step is decided once.
 */
export function createDecide(deps: ActivityDeps) {
  return async function decide(request: DecideRequest): Promise<Decision> {
    const { db } = deps.database;
    const stored = await storedDecision(deps, request);
    if (stored) return stored;

    // The workflow's clock, not the activity's: replays and time-skipping tests see the same decision.
    const now = request.earliest;
    const context = await loadCustomerContext(db, request.shopId, request.customerId);
    const shop = await loadShopModel(db, request.shopId);
    const customer = await loadCustomerModel(db, request.shopId, request.customerId, context.timezone, now);
    const discount = await loadDiscountSegment(db, request.shopId, discountSegmentKey(customer.lifecycle.stage), now);
    const basketValueMinor = await basketValue(deps, request);
    const maxTier = allowedMaxTier(shop.state.discount.guardrails.maxTier, request.maxDiscountTier);
    const isPerson = (c: string): c is PersonChannel => (PERSON_CHANNELS as readonly string[]).includes(c);

    const model = decideAction({
      customer,
      shop: { ...shop.state, discount: { ...shop.state.discount, guardrails: { ...shop.state.discount.guardrails, maxTier } } },
      discount,
      consents: Object.entries(context.consent).filter(([, granted]) => granted).map(([c]) => c).filter(isPerson),
      reachable: context.reachable.filter(isPerson),
      contents: [{ type: request.contentType, allowsDiscount: maxTier > 0 }],
      window: { earliest: request.earliest, latest: request.latest },
      basketValueMinor,
      marginRate: shop.marginRate,
      now,
      seed: `${request.workflowId}:${request.step}`,
      urgencyHalfLifeHours: URGENCY_HALF_LIFE_HOURS[request.journey],
    });
    const decision = toJourneyDecision(model, request, deps.timeScale);
    await db
      .insert(decisions)
      .values({
        shopId: request.shopId,
        customerId: request.customerId,
        workflowId: request.workflowId,
        step: request.step,
        decision: { ...decision, model: { reasons: model.reasons, alternatives: model.alternatives, seed: model.seed, modelSendAt: model.sendAt, stage: customer.lifecycle.stage } },
      })
      .onConflictDoNothing();
    // If a concurrent attempt stored its decision first, that one stands.
    return (await storedDecision(deps, request)) ?? decision;
  };
}

async function storedDecision(deps: ActivityDeps, request: DecideRequest): Promise<Decision | null> {
  const [row] = await deps.database.db
    .select({ decision: decisions.decision })
    .from(decisions)
    .where(and(eq(decisions.workflowId, request.workflowId), eq(decisions.step, request.step)));
  if (!row) return null;
  const { model: _model, ...decision } = row.decision as unknown as Decision & { model?: unknown };
  return decision;
}

/** The value at stake: what the products the touch is about cost now. */
async function basketValue(deps: ActivityDeps, request: DecideRequest): Promise<number> {
  if (request.productIds.length === 0) return 0;
  const rows = await deps.database.db
    .select({ priceMinor: products.priceMinor })
    .from(products)
    .where(and(eq(products.shopId, request.shopId), inArray(products.id, request.productIds)));
  return rows.reduce((sum, p) => sum + p.priceMinor, 0);
}

/** The highest tier both the shop and this journey step allow. A step that names none allows none. */
function allowedMaxTier(shopMax: DiscountTier, stepMax: number | undefined): DiscountTier {
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
    reason: model.action === 'send' ? null : noTime ? 'no_send_time' : model.reasons.at(-1) ?? 'no_action',
  };
}
