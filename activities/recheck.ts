import { and, desc, eq, gte, inArray, isNotNull, ne } from 'drizzle-orm';
import { frequencySlots, pushSubscriptions, suppressions } from '../db/schema-channels.ts';
import { contacts, dispatches, journeys, orders, products, shops } from '../db/schema.ts';
import { DEFAULT_FREQUENCY_CAP_MS, frequencyCapMs } from '../channels/protection.ts';
import { inQuietHours, localMinuteOfDay, nextAllowedInstant } from '../lib/local-time.ts';
import type { Channel, JourneyName, RecheckRequest, RecheckResult } from '../workflows/types.ts';
import { loadCustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

/** Marketing frequency caps per customer and channel (defaults; shops may tighten them). */
export const FREQUENCY_CAP_MS: Partial<Record<Channel, number>> = DEFAULT_FREQUENCY_CAP_MS;

/**
 * Journeys whose message gives way to a running journey of the same customer. A customer with a cart
 * left open hears about that cart: a generic welcome (onboarding) or a come-back offer (win-back) sent
 * beside the reminder would take the channel's frequency slot from it, or, if it came second, be a
 * second message about something else within hours. Their touch is skipped with `yielded_to_cart`;
 * once the cart journey has ended (ordered, emptied, attribution window over) they send as usual.
 */
export const YIELDS_TO: Partial<Record<JourneyName, readonly JourneyName[]>> = {
  onboarding: ['cart-abandon'],
  'win-back': ['cart-abandon'],
};

/**
 * The last look before a message goes out: anything may have changed while the journey slept.
 * Returns the first reason not to send, with a retry instant when waiting would fix it. Dispatch
 * applies the same rules again at the moment of sending, atomically for the frequency cap.
 */
export function createRecheck(deps: ActivityDeps) {
  return async function recheck(request: RecheckRequest): Promise<RecheckResult> {
    const { db } = deps.database;
    const now = new Date(request.at);
    const since = new Date(request.since);

    const [order] = await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.shopId, request.shopId), eq(orders.customerId, request.customerId), gte(orders.placedAt, since)))
      .limit(1);
    if (order) return { ok: false, reason: 'converted' };

    const yieldsTo = YIELDS_TO[request.journey];
    if (yieldsTo) {
      const [open] = await db
        .select({ workflowId: journeys.workflowId })
        .from(journeys)
        .where(and(eq(journeys.shopId, request.shopId), eq(journeys.customerId, request.customerId), eq(journeys.status, 'running'),
          inArray(journeys.journey, [...yieldsTo]), ne(journeys.workflowId, request.workflowId)))
        .limit(1);
      if (open) return { ok: false, reason: 'yielded_to_cart' };
    }

    const context = await loadCustomerContext(db, request.shopId, request.customerId);
    if (context.consent[request.channel] !== true) return { ok: false, reason: 'consent_withdrawn' };
    if (!(await reachable(request, context.reachable))) return { ok: false, reason: 'unreachable' };

    if (request.productIds.length > 0) {
      const items = await db
        .select({ id: products.id, stock: products.stock, priceMinor: products.priceMinor })
        .from(products)
        .where(and(eq(products.shopId, request.shopId), inArray(products.id, request.productIds)));
      if (items.length > 0 && items.every((p) => p.stock !== null && p.stock <= 0)) return { ok: false, reason: 'out_of_stock' };
      const offered = request.offerPricesMinor;
      if (offered && items.some((p) => offered[p.id] !== undefined && p.priceMinor > offered[p.id]!)) return { ok: false, reason: 'price_changed' };
    }

    const [shop] = await db.select({ settings: shops.settings }).from(shops).where(eq(shops.id, request.shopId));
    const cap = frequencyCapMs(request.channel, shop?.settings ?? {}, deps.timeScale);
    if (cap) {
      const last = await lastSentAt(request, now, cap);
      if (last) return { ok: false, reason: 'frequency_cap', retryAt: new Date(last.getTime() + cap).toISOString() };
    }

    if (inQuietHours(localMinuteOfDay(now, context.timezone), context.quietStartMinute, context.quietEndMinute)) {
      const retryAt = nextAllowedInstant(now, context.timezone, context.quietStartMinute, context.quietEndMinute);
      return { ok: false, reason: 'quiet_hours', retryAt: retryAt.toISOString() };
    }
    return { ok: true };
  };

  /** An address on file that is not suppressed (push: a live subscription). */
  async function reachable(request: RecheckRequest, withAddress: Channel[]): Promise<boolean> {
    const { db } = deps.database;
    if (request.channel === 'push') {
      const [sub] = await db
        .select({ hash: pushSubscriptions.endpointHash })
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.shopId, request.shopId), eq(pushSubscriptions.customerId, request.customerId)))
        .limit(1);
      return sub !== undefined;
    }
    if (!withAddress.includes(request.channel)) return false;
    const [contact] = await db
      .select({ emailHash: contacts.emailHash, phoneHash: contacts.phoneHash })
      .from(contacts)
      .where(and(eq(contacts.shopId, request.shopId), eq(contacts.customerId, request.customerId)));
    const hash = request.channel === 'email' ? contact?.emailHash : contact?.phoneHash;
    if (!hash) return true;
    const [suppressed] = await db
      .select({ reason: suppressions.reason })
      .from(suppressions)
      .where(and(eq(suppressions.shopId, request.shopId), eq(suppressions.channel, request.channel), eq(suppressions.addressHash, hash)));
    return suppressed === undefined;
  }

  /** The latest send on the channel within the cap: the frequency slot, or the ledger for older sends. */
  async function lastSentAt(request: RecheckRequest, now: Date, cap: number): Promise<Date | null> {
    const { db } = deps.database;
    const windowStart = new Date(now.getTime() - cap);
    const [slot] = await db
      .select({ at: frequencySlots.lastSentAt })
      .from(frequencySlots)
      .where(and(eq(frequencySlots.shopId, request.shopId), eq(frequencySlots.customerId, request.customerId), eq(frequencySlots.channel, request.channel), gte(frequencySlots.lastSentAt, windowStart)));
    if (slot) return slot.at;
    const [last] = await db
      .select({ sentAt: dispatches.sentAt })
      .from(dispatches)
      .where(and(eq(dispatches.shopId, request.shopId), eq(dispatches.customerId, request.customerId), eq(dispatches.channel, request.channel), isNotNull(dispatches.sentAt), gte(dispatches.sentAt, windowStart)))
      .orderBy(desc(dispatches.sentAt))
      .limit(1);
    return last?.sentAt ?? null;
  }
}
