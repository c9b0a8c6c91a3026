import { and, eq } from 'drizzle-orm';
import { customers, shops } from '../db/schema.ts';
import { updateOnOutcome } from '../models/update.ts';
import type { OutcomeKind } from '../models/state.ts';
import { DISCOUNT_TIERS, PERSON_CHANNELS, type DiscountTier, type PersonChannel } from '../models/types.ts';
import { discountSegmentKey, loadCustomerModel, loadDiscountSegment, loadShopModel, saveCustomerModel, saveDiscountSegment, type Tx } from './model-store.ts';

export interface SendOutcome {
  shopId: string;
  customerId: string;
  /** The dispatch the outcome belongs to; outcomes are applied once per (dispatch, kind). */
  dispatchId: string;
  channel: string;
  kind: OutcomeKind;
  at: Date;
  discountTier: number | null;
}

/**
 * Folds one outcome of a send into the customer's and the segment's posteriors. Call it inside the
 * transaction that stores the outcome, so the models and the outcome rows never disagree. Rows are
 * locked, so two outcomes of one customer apply one after the other.
 */
export async function applyOutcomeToModels(tx: Tx, outcome: SendOutcome): Promise<boolean> {
  if (!(PERSON_CHANNELS as readonly string[]).includes(outcome.channel)) return false;
  const [customer] = await tx
    .select({ timezone: customers.timezone, shopTimezone: shops.timezone })
    .from(customers)
    .innerJoin(shops, eq(shops.id, customers.shopId))
    .where(and(eq(customers.shopId, outcome.shopId), eq(customers.id, outcome.customerId)));
  if (!customer) return false;
  const at = outcome.at.toISOString();
  const shop = await loadShopModel(tx, outcome.shopId);
  const state = await loadCustomerModel(tx, outcome.shopId, outcome.customerId, customer.timezone ?? customer.shopTimezone, at, { forUpdate: true });
  const discount = await loadDiscountSegment(tx, outcome.shopId, discountSegmentKey(state.lifecycle.stage), at, { forUpdate: true });
  const tier = (DISCOUNT_TIERS as readonly number[]).includes(outcome.discountTier ?? -1) ? (outcome.discountTier as DiscountTier) : null;
  const next = updateOnOutcome(
    { customer: state, discount },
    { sendId: outcome.dispatchId, kind: outcome.kind, channel: outcome.channel as PersonChannel, at, discountTier: tier },
    shop.state.halfLifeDays,
  );
  if (next.customer === state && next.discount === discount) return false;
  await saveCustomerModel(tx, outcome.shopId, outcome.customerId, next.customer);
  if (next.discount && next.discount !== discount) await saveDiscountSegment(tx, outcome.shopId, next.discount);
  return true;
}
