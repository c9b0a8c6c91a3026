import { latestOpenCart } from '../ingest/carts.ts';
import { cartUpdatedSignal, orderPlacedSignal, unsubscribedSignal } from '../workflows/signals.ts';
import type { CartUpdatedSignal } from '../workflows/types.ts';
import { startBrowseAbandon } from './browse-abandon.ts';
import { signalCartAbandon } from './cart-abandon.ts';
import { crossSellTriggerKey, startCrossSell } from './cross-sell.ts';
import type { JourneyClientDeps } from './deps.ts';
import { startOnboarding } from './onboarding.ts';
import { signalRunningJourneys } from './signal.ts';
import type { FireRound } from './start.ts';
import { cartSignal, type JourneyTrigger } from './triggers.ts';
import { startWinBack } from './win-back.ts';

const ids = (...list: (string | null)[]) => list.filter((id) => id !== null);

/** The cart's journey started or signalled, and browse journeys for products now in it told. */
async function cartChanged(deps: JourneyClientDeps, shopId: string, customerId: string, cart: CartUpdatedSignal, round?: FireRound): Promise<string[]> {
  const cartJourney = await signalCartAbandon(deps, { shopId, customerId, cartId: cart.cartId, productIds: cart.productIds,
    valueMinor: cart.valueMinor, emptied: cart.emptied, at: new Date(cart.at) }, round);
  // A product that went into the cart is no longer abandoned while browsing.
  const browsing = cart.emptied ? [] : await signalRunningJourneys(deps,
    { shopId, customerId, only: (j) => j.journey === 'browse-abandon' && cart.productIds.some((p) => j.triggerKey.startsWith(`${p}.`)) },
    cartUpdatedSignal, cart, round);
  return ids(cartJourney, ...browsing);
}

/**
 * Starts or signals the journeys a trigger asks for; returns the workflow IDs touched. Within a dispatch
 * round (`round`) the customer's stage and running journeys come from the round's look-up and the
 * journey rows are written by the round (journeys/start.ts FireRound).
 */
export async function fireTrigger(deps: JourneyClientDeps, trigger: JourneyTrigger, round?: FireRound): Promise<string[]> {
  const { shopId, customerId } = trigger as { shopId: string; customerId: string };
  switch (trigger.kind) {
    case 'cart-changed':
      return cartChanged(deps, shopId, customerId, trigger.cart, round);
    case 'reachable': {
      // Looked up when fired, so the cart is as it is now (ordered or emptied meanwhile: nothing to start).
      const open = await latestOpenCart(deps.database.db, shopId, customerId, trigger.at);
      return open ? cartChanged(deps, shopId, customerId, cartSignal(open), round) : [];
    }
    case 'product-dwell':
      return ids(await startBrowseAbandon(deps, { shopId, customerId, productId: trigger.productId, at: new Date() }, round));
    case 'new-customer':
      return ids(await startOnboarding(deps, shopId, customerId, round));
    case 'order-placed': {
      // Convert what is running first, so the new cross-sell does not count its own order (nor does a
      // cross-sell already started for this order when the order is reported again).
      const key = crossSellTriggerKey(trigger.order.orderId);
      const converted = await signalRunningJourneys(deps, { shopId, customerId, only: (j) => !(j.journey === 'cross-sell' && j.triggerKey === key) },
        orderPlacedSignal, trigger.order, round);
      const crossSell = await startCrossSell(deps, { shopId, customerId, orderId: trigger.order.orderId, productIds: trigger.productIds }, round);
      return ids(...converted, crossSell);
    }
    case 'stage-changed':
      if (trigger.to !== 'at-risk' && trigger.to !== 'lapsed') return [];
      return ids(await startWinBack(deps, { shopId, customerId, stage: trigger.to, at: new Date(trigger.at) }, round));
    case 'unsubscribed':
      return signalRunningJourneys(deps, { shopId, customerId }, unsubscribedSignal, { version: 1, channel: trigger.channel }, round);
    case 'low-stock':
      // Clearance campaigns are started deliberately from the CLI (npm run campaign -- start), not per event.
      return [];
  }
}
