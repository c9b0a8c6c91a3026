import type { EntryEffect } from '../ingest/entry.ts';
import { canonicalOrderId } from '../ingest/entry.ts';
import { signalCartAbandon } from './cart-abandon.ts';
import { signalConversion } from './conversion.ts';
import type { JourneyClientDeps } from './deps.ts';

/**
 * Decides, for each stored event, which journeys to start or signal, at once. Only events that matter
 * reach Temporal; everything else stays in Postgres for the models.
 */
export async function routeEvent(deps: JourneyClientDeps, shopId: string, source: string, effect: EntryEffect): Promise<string[]> {
  if (effect.duplicate) return [];
  const { event, customerId } = effect;
  switch (event.type) {
    case 'cart_updated': {
      const id = await signalCartAbandon(deps, {
        shopId,
        customerId,
        cartId: event.cartId,
        productIds: event.items.map((i) => i.productId),
        valueMinor: event.items.reduce((sum, i) => sum + i.priceMinor * i.quantity, 0),
        emptied: event.items.length === 0,
        at: new Date(event.occurredAt),
      });
      return id ? [id] : [];
    }
    case 'order_placed':
      if (!effect.orderCreated) return [];
      return signalConversion(deps, shopId, customerId, {
        version: 1,
        orderId: canonicalOrderId(shopId, source, event.orderId),
        valueMinor: event.totalMinor,
        currency: event.currency,
        placedAt: event.occurredAt,
      });
    default:
      return [];
  }
}
