import { and, eq, gte, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { providerEvents } from '../db/schema-channels.ts';
import { dispatches, orders } from '../db/schema.ts';
import { isMachineOpen } from './machine-opens.ts';
import { creditFor, type AttributionRule, type Touch } from './rules.ts';
import { loadAttributionSettings } from './settings.ts';

export interface Attribution {
  orderId: string;
  dispatchId: string;
  workflowId: string;
  step: number;
  channel: string;
  discountTier: number;
  rule: AttributionRule;
  touchAt: Date;
  placedAt: Date;
  /** Order total and discount, in the order's minor units: the revenue and discount cost credited. */
  valueMinor: number;
  discountMinor: number;
  currency: string;
}

/**
 * Credits an order to the message that earned it under the shop's rules (attribution/rules.ts) and
 * stores the credit on the order (`orders.attributed_dispatch_id`, cleared when nothing qualifies).
 * Pass a transaction to make it part of a larger write. Returns null when no message qualifies (or the
 * order is unknown).
 */
export async function attributeOrder(db: Db, shopId: string, orderId: string): Promise<Attribution | null> {
  const [order] = await db.select().from(orders).where(and(eq(orders.shopId, shopId), eq(orders.id, orderId)));
  // An order we have not stored cannot be credited; the caller decides whether that is an error.
  if (!order) return null;
  const settings = await loadAttributionSettings(db, shopId);
  const from = (windowMs: number) => new Date(order.placedAt.getTime() - windowMs);
  const mine = and(eq(dispatches.shopId, shopId), eq(dispatches.customerId, order.customerId), isNotNull(dispatches.sentAt), lte(dispatches.sentAt, order.placedAt));
  // A message sent long ago can still be clicked within the window: look for engagement in the
  // window, whenever its message went out, and for sends only where a send itself can earn credit.
  const engagement = await db
    .select({ dispatchId: dispatches.id, kind: providerEvents.kind, occurredAt: providerEvents.occurredAt, detail: providerEvents.detail })
    .from(providerEvents)
    .innerJoin(dispatches, eq(dispatches.id, providerEvents.dispatchId))
    .where(
      and(
        mine,
        inArray(providerEvents.kind, ['opened', 'clicked']),
        gte(providerEvents.occurredAt, from(Math.max(settings.clickWindowMs, settings.openWindowMs))),
        lte(providerEvents.occurredAt, order.placedAt),
      ),
    );
  const engaged = [...new Set(engagement.map((e) => e.dispatchId))];
  const sent = await db
    .select()
    .from(dispatches)
    .where(and(mine, or(gte(dispatches.sentAt, from(settings.untrackedSendWindowMs)), engaged.length ? inArray(dispatches.id, engaged) : sql`false`)));
  const touches: Touch[] = sent.map((d) => {
    const events = engagement.filter((e) => e.dispatchId === d.id);
    return {
      dispatchId: d.id,
      provider: d.provider,
      sentAt: d.sentAt!,
      opens: events.filter((e) => e.kind === 'opened').map((e) => ({ at: e.occurredAt, machine: isMachineOpen(e.detail) })),
      clicks: events.filter((e) => e.kind === 'clicked').map((e) => e.occurredAt),
    };
  });
  const credit = creditFor(order.placedAt, touches, settings);
  await db.update(orders).set({ attributedDispatchId: credit?.dispatchId ?? null }).where(eq(orders.id, order.id));
  if (!credit) return null;
  const dispatch = sent.find((d) => d.id === credit.dispatchId)!;
  return {
    orderId: order.id,
    dispatchId: dispatch.id,
    workflowId: dispatch.workflowId,
    step: dispatch.step,
    channel: dispatch.channel,
    discountTier: dispatch.discountTier,
    rule: credit.rule,
    touchAt: credit.touchAt,
    placedAt: order.placedAt,
    valueMinor: order.totalMinor,
    discountMinor: order.discountMinor,
    currency: order.currency,
  };
}
