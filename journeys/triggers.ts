import type { CartState } from '../ingest/carts.ts';
import type { AnyEffect } from '../ingest/entry.ts';
import { canonicalOrderId } from '../ingest/orders.ts';
import type { CartUpdatedSignal, Channel, OrderPlacedSignal } from '../workflows/types.ts';

/**
 * What a stored event asks of the journeys. Detecting triggers is pure (this file); firing them
 * against Temporal is journeys/fire.ts. Only events that matter produce a trigger.
 */
export type JourneyTrigger =
  | { kind: 'cart-changed'; shopId: string; customerId: string; cart: CartUpdatedSignal }
  | { kind: 'product-dwell'; shopId: string; customerId: string; productId: string; viewId: string; dwellMs: number }
  | { kind: 'new-customer'; shopId: string; customerId: string }
  /** A visitor became reachable (identified, or folded into a known customer): the cart they left while anonymous, if any, starts its journey. */
  | { kind: 'reachable'; shopId: string; customerId: string; at: string }
  | { kind: 'order-placed'; shopId: string; customerId: string; order: OrderPlacedSignal; productIds: string[] }
  | { kind: 'stage-changed'; shopId: string; customerId: string; from: string; to: string; at: string }
  | { kind: 'unsubscribed'; shopId: string; customerId: string; channel: Channel | 'all' }
  | { kind: 'low-stock'; shopId: string; productId: string; stock: number };

/** What the cart journey is told of a cart (ingest's CartState without its currency). */
export function cartSignal(c: CartState): CartUpdatedSignal {
  return { version: 1, cartId: c.cartId, productIds: c.productIds, valueMinor: c.valueMinor, emptied: c.emptied, at: c.at };
}

export function triggersFor(shopId: string, source: string, effect: AnyEffect): JourneyTrigger[] {
  if (effect.duplicate) return [];
  if (effect.customerId === null) {
    // Stock crossing under the threshold (not every update while it stays low).
    return effect.stock
      .filter((s) => s.after !== null && s.after < s.threshold && (s.before === null || s.before >= s.threshold))
      .map((s) => ({ kind: 'low-stock' as const, shopId, productId: s.productId, stock: s.after! }));
  }
  const { event, customerId } = effect;
  const triggers: JourneyTrigger[] = [];
  if (effect.identified) triggers.push({ kind: 'new-customer', shopId, customerId });
  // A visitor nobody can reach yet (anonymous: no user id nor e-mail seen) starts no journey: their cart
  // changes, long views and orders queue nothing, and no journey of theirs runs to be told. When they
  // identify, or are folded into a known customer, `reachable` starts the journey of the cart they left.
  // (A customer created by this very event has no earlier cart; one who identifies by ordering needs no reminder.)
  const becameReachable = (effect.identified && !effect.customerCreated) || effect.merged;
  if (becameReachable && !effect.cart && !effect.orderCreated) triggers.push({ kind: 'reachable', shopId, customerId, at: event.occurredAt });
  const reachable = !effect.anonymous;
  if (effect.cart && reachable) triggers.push({ kind: 'cart-changed', shopId, customerId, cart: cartSignal(effect.cart) });
  if (effect.dwell && !effect.dwell.cartedSince && reachable) {
    const d = effect.dwell;
    // The view id is a source's message id and may hold ':', which no key of a workflow ID may.
    triggers.push({ kind: 'product-dwell', shopId, customerId, productId: d.productId, viewId: d.viewEventId.replaceAll(':', '_'), dwellMs: d.dwellMs });
  }
  for (const channel of effect.consentsWithdrawn ?? []) triggers.push({ kind: 'unsubscribed', shopId, customerId, channel });
  if (effect.orderCreated && reachable) {
    const order = event.type === 'order_placed' ? { ...event, placedAt: event.occurredAt }
      : event.type === 'order_status' && event.status !== 'cancelled' ? event.order : undefined;
    if (order && !(event.type === 'order_placed' && event.cancelledAt)) {
      triggers.push({
        kind: 'order-placed', shopId, customerId,
        productIds: [...new Set(order.lines.map((l) => l.productId))],
        order: { version: 1, orderId: canonicalOrderId(shopId, source, order.orderId), valueMinor: order.totalMinor, currency: order.currency, placedAt: order.placedAt },
      });
    }
  }
  return triggers;
}
