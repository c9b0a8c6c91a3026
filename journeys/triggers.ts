import type { EntryEffect } from '../ingest/entry.ts';
import { canonicalOrderId } from '../ingest/entry.ts';
import type { CartUpdatedSignal, Channel, OrderPlacedSignal } from '../workflows/types.ts';

/**
 * What a stored event asks of the journeys. Detecting triggers is pure (this file); firing them
 * against Temporal is journeys/fire.ts. Only events that matter produce a trigger.
 */
export type JourneyTrigger =
  | { kind: 'cart-changed'; shopId: string; customerId: string; cart: CartUpdatedSignal }
  | { kind: 'product-dwell'; shopId: string; customerId: string; productId: string; viewId: string; dwellMs: number }
  | { kind: 'new-customer'; shopId: string; customerId: string }
  | { kind: 'order-placed'; shopId: string; customerId: string; order: OrderPlacedSignal; productIds: string[] }
  | { kind: 'stage-changed'; shopId: string; customerId: string; from: string; to: string; at: string }
  | { kind: 'unsubscribed'; shopId: string; customerId: string; channel: Channel | 'all' }
  | { kind: 'low-stock'; shopId: string; productId: string; stock: number };

export function triggersFor(shopId: string, source: string, effect: EntryEffect): JourneyTrigger[] {
  if (effect.duplicate) return [];
  const { event, customerId } = effect;
  switch (event.type) {
    case 'cart_updated':
      return [
        {
          kind: 'cart-changed',
          shopId,
          customerId,
          cart: {
            version: 1,
            cartId: event.cartId,
            productIds: event.items.map((i) => i.productId),
            valueMinor: event.items.reduce((sum, i) => sum + i.priceMinor * i.quantity, 0),
            emptied: event.items.length === 0,
            at: event.occurredAt,
          },
        },
      ];
    case 'order_placed':
      if (!effect.orderCreated) return [];
      return [
        {
          kind: 'order-placed',
          shopId,
          customerId,
          productIds: event.lines.map((l) => l.productId),
          order: { version: 1, orderId: canonicalOrderId(shopId, source, event.orderId), valueMinor: event.totalMinor, currency: event.currency, placedAt: event.occurredAt },
        },
      ];
    default:
      return [];
  }
}
