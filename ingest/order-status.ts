import type { OrderStatus } from '../db/schema.ts';

// An order's status is a function of the facts we hold about it, not of the order they arrived in.
// Each fact can only move the status up this ladder, so a late or repeated "paid" never undoes a
// "fulfilled", and the same facts in any order give the same state.
export const STATUS_RANK: Record<OrderStatus, number> = {
  placed: 0,
  paid: 1,
  fulfilled: 2,
  partially_refunded: 3,
  cancelled: 4,
  refunded: 5,
};

export interface OrderFact {
  kind: 'paid' | 'fulfilled' | 'cancelled' | 'refund';
  amountMinor: number;
  currency: string | null;
  occurredAt: Date;
}

export interface OrderMoney {
  currency: string;
  totalMinor: number;
  presentmentCurrency: string | null;
  presentmentTotalMinor: number | null;
}

export interface DerivedOrderState {
  status: OrderStatus;
  paidAt: Date | null;
  fulfilledAt: Date | null;
  cancelledAt: Date | null;
  refundedMinor: number;
}

/**
 * A refund in the shop currency; refunds in the presentment currency are converted at the order's own
 * rate. Null when the currency is neither (the entry path refuses such refunds for known orders).
 */
export function refundInShopCurrency(fact: Pick<OrderFact, 'amountMinor' | 'currency'>, order: OrderMoney): number | null {
  if (fact.currency === null || fact.currency === order.currency) return fact.amountMinor;
  if (fact.currency === order.presentmentCurrency && order.presentmentTotalMinor) {
    return Math.round((fact.amountMinor * order.totalMinor) / order.presentmentTotalMinor);
  }
  return null;
}

const earliest = (facts: OrderFact[], kind: OrderFact['kind']) =>
  facts.filter((f) => f.kind === kind).reduce<Date | null>((min, f) => (min === null || f.occurredAt < min ? f.occurredAt : min), null);

export function deriveOrderState(order: OrderMoney, facts: OrderFact[]): DerivedOrderState {
  const refunded = facts.filter((f) => f.kind === 'refund').reduce((sum, f) => sum + (refundInShopCurrency(f, order) ?? 0), 0);
  const refundedMinor = Math.min(refunded, order.totalMinor);
  const paidAt = earliest(facts, 'paid');
  const fulfilledAt = earliest(facts, 'fulfilled');
  const cancelledAt = earliest(facts, 'cancelled');
  let status: OrderStatus = 'placed';
  if (refundedMinor > 0 && refundedMinor >= order.totalMinor) status = 'refunded';
  else if (cancelledAt) status = 'cancelled';
  else if (refundedMinor > 0) status = 'partially_refunded';
  else if (fulfilledAt) status = 'fulfilled';
  else if (paidAt) status = 'paid';
  return { status, paidAt, fulfilledAt, cancelledAt, refundedMinor };
}
