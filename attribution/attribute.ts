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
 * stores the credit on the order (`orders.attributed_dispatch_id`, cleared when nothing qualifies:
 * the order is organic). Pass a transaction to make it part of a larger write. Returns null when no
 * message qualifies (or the order is unknown).
 */
export async function attributeOrder(db: Db, shopId: string, orderId: string): Promise<Attribution | null> {
  return (await attributeOrders(db, shopId, [orderId])).get(orderId) ?? null;
}

/**
 * attributeOrder for many orders of one shop at once (the entry path credits every order of a
 * request this way): five statements whatever their number. Orders not stored are left out of the
 * result; an order no message qualifies for maps to null.
 */
export async function attributeOrders(db: Db, shopId: string, orderIds: string[]): Promise<Map<string, Attribution | null>> {
  const out = new Map<string, Attribution | null>();
  const ids = [...new Set(orderIds)];
  if (ids.length === 0) return out;
  const held = await db.select().from(orders).where(and(eq(orders.shopId, shopId), inArray(orders.id, ids)));
  // An order we have not stored cannot be credited; the caller decides whether that is an error.
  if (held.length === 0) return out;
  const settings = await loadAttributionSettings(db, shopId);
  const customerIds = [...new Set(held.map((o) => o.customerId))];
  const lastPlaced = new Date(Math.max(...held.map((o) => o.placedAt.getTime())));
  const firstPlaced = Math.min(...held.map((o) => o.placedAt.getTime()));
  const engagementWindowMs = Math.max(settings.clickWindowMs, settings.openWindowMs);
  const mine = and(eq(dispatches.shopId, shopId), inArray(dispatches.customerId, customerIds), isNotNull(dispatches.sentAt), lte(dispatches.sentAt, lastPlaced));
  // A message sent long ago can still be clicked within the window: look for engagement in the
  // window, whenever its message went out, and for sends only where a send itself can earn credit.
  const engagement = await db
    .select({ dispatchId: dispatches.id, customerId: dispatches.customerId, sentAt: dispatches.sentAt, kind: providerEvents.kind, occurredAt: providerEvents.occurredAt, detail: providerEvents.detail })
    .from(providerEvents)
    .innerJoin(dispatches, eq(dispatches.id, providerEvents.dispatchId))
    .where(
      and(
        mine,
        inArray(providerEvents.kind, ['opened', 'clicked']),
        gte(providerEvents.occurredAt, new Date(firstPlaced - engagementWindowMs)),
        lte(providerEvents.occurredAt, lastPlaced),
      ),
    );
  const engagedAny = [...new Set(engagement.map((e) => e.dispatchId))];
  const sentAll = await db
    .select()
    .from(dispatches)
    .where(and(mine, or(gte(dispatches.sentAt, new Date(firstPlaced - settings.untrackedSendWindowMs)), engagedAny.length ? inArray(dispatches.id, engagedAny) : sql`false`)));
  const credited: { id: string; d: string | null }[] = [];
  for (const order of held) {
    const placed = order.placedAt.getTime();
    const ours = (d: { customerId: string; sentAt: Date | null }) => d.customerId === order.customerId && d.sentAt !== null && d.sentAt.getTime() <= placed;
    const inWindow = engagement.filter((e) => ours(e) && e.occurredAt.getTime() >= placed - engagementWindowMs && e.occurredAt.getTime() <= placed);
    const engaged = new Set(inWindow.map((e) => e.dispatchId));
    const sent = sentAll.filter((d) => ours(d) && (d.sentAt!.getTime() >= placed - settings.untrackedSendWindowMs || engaged.has(d.id)));
    const touches: Touch[] = sent.map((d) => {
      const events = inWindow.filter((e) => e.dispatchId === d.id);
      return {
        dispatchId: d.id,
        provider: d.provider,
        sentAt: d.sentAt!,
        opens: events.filter((e) => e.kind === 'opened').map((e) => ({ at: e.occurredAt, machine: isMachineOpen(e.detail) })),
        clicks: events.filter((e) => e.kind === 'clicked').map((e) => e.occurredAt),
      };
    });
    const credit = creditFor(order.placedAt, touches, settings);
    credited.push({ id: order.id, d: credit?.dispatchId ?? null });
    if (!credit) {
      out.set(order.id, null);
      continue;
    }
    const dispatch = sent.find((d) => d.id === credit.dispatchId)!;
    out.set(order.id, {
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
    });
  }
  const changed = credited.filter((c) => held.find((o) => o.id === c.id)!.attributedDispatchId !== c.d);
  if (changed.length) {
    await db.execute(sql`update orders o set attributed_dispatch_id = r.d from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id text, d text)
      where o.id = r.id and o.shop_id = ${shopId}`);
  }
  return out;
}
