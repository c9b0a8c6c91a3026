import { signalCartAbandon } from './cart-abandon.ts';
import { signalConversion } from './conversion.ts';
import type { JourneyClientDeps } from './deps.ts';
import type { JourneyTrigger } from './triggers.ts';

/** Starts or signals the journeys a trigger asks for; returns the workflow IDs touched. */
export async function fireTrigger(deps: JourneyClientDeps, trigger: JourneyTrigger): Promise<string[]> {
  switch (trigger.kind) {
    case 'cart-changed': {
      const id = await signalCartAbandon(deps, {
        shopId: trigger.shopId,
        customerId: trigger.customerId,
        cartId: trigger.cart.cartId,
        productIds: trigger.cart.productIds,
        valueMinor: trigger.cart.valueMinor,
        emptied: trigger.cart.emptied,
        at: new Date(trigger.cart.at),
      });
      return id ? [id] : [];
    }
    case 'order-placed':
      return signalConversion(deps, trigger.shopId, trigger.customerId, trigger.order);
    default:
      // Journeys for the other triggers arrive with the journeys work (issue 4).
      return [];
  }
}
