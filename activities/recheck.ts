import { and, desc, eq, gte, inArray, isNotNull } from 'drizzle-orm';
import { dispatches, orders, products } from '../db/schema.ts';
import { inQuietHours, localMinuteOfDay, nextAllowedInstant } from '../lib/local-time.ts';
import type { Channel, RecheckRequest, RecheckResult } from '../workflows/types.ts';
import { loadCustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

/** Marketing frequency caps per customer and channel (defaults; shops may tighten them). */
export const FREQUENCY_CAP_MS: Partial<Record<Channel, number>> = {
  email: 16 * 3_600_000,
  sms: 24 * 3_600_000,
  whatsapp: 24 * 3_600_000,
};

/**
 * The last look before a message goes out: anything may have changed while the journey slept.
 * Returns the first reason not to send, with a retry instant when waiting would fix it.
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

    const context = await loadCustomerContext(db, request.shopId, request.customerId);
    if (context.consent[request.channel] !== true) return { ok: false, reason: 'consent_withdrawn' };
    if (!context.reachable.includes(request.channel)) return { ok: false, reason: 'unreachable' };

    if (request.productIds.length > 0) {
      const items = await db
        .select({ id: products.id, stock: products.stock })
        .from(products)
        .where(and(eq(products.shopId, request.shopId), inArray(products.id, request.productIds)));
      if (items.length > 0 && items.every((p) => p.stock !== null && p.stock <= 0)) return { ok: false, reason: 'out_of_stock' };
    }

    const cap = FREQUENCY_CAP_MS[request.channel];
    if (cap) {
      const [last] = await db
        .select({ sentAt: dispatches.sentAt })
        .from(dispatches)
        .where(
          and(
            eq(dispatches.shopId, request.shopId),
            eq(dispatches.customerId, request.customerId),
            eq(dispatches.channel, request.channel),
            isNotNull(dispatches.sentAt),
            gte(dispatches.sentAt, new Date(now.getTime() - cap)),
          ),
        )
        .orderBy(desc(dispatches.sentAt))
        .limit(1);
      if (last?.sentAt) return { ok: false, reason: 'frequency_cap', retryAt: new Date(last.sentAt.getTime() + cap).toISOString() };
    }

    if (inQuietHours(localMinuteOfDay(now, context.timezone), context.quietStartMinute, context.quietEndMinute)) {
      const retryAt = nextAllowedInstant(now, context.timezone, context.quietStartMinute, context.quietEndMinute);
      return { ok: false, reason: 'quiet_hours', retryAt: retryAt.toISOString() };
    }
    return { ok: true };
  };
}
