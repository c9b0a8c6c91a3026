import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { isMachineOpen } from './machine-opens.ts';
import { creditFor, type AttributionRule, type Touch } from './rules.ts';
import { rowsOf } from '../ingest/sql-rows.ts';
import { attributionSettings } from './settings.ts';


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
 * request this way): two statements whatever their number, a third when a credit changes. Orders not stored are left out of the
 * result; an order no message qualifies for maps to null.
 */
export async function attributeOrders(db: Db, shopId: string, orderIds: string[]): Promise<Map<string, Attribution | null>> {
  const out = new Map<string, Attribution | null>();
  const ids = [...new Set(orderIds)];
  if (ids.length === 0) return out;
  const held = rowsOf<{ id: string; customerId: string; placedAt: string | Date; totalMinor: number; discountMinor: number; currency: string;
    attributedDispatchId: string | null; attribution: unknown }>(await db.execute(sql`
    select o.id, o.customer_id as "customerId", o.placed_at as "placedAt", o.total_minor as "totalMinor", o.discount_minor as "discountMinor",
      o.currency, o.attributed_dispatch_id as "attributedDispatchId", s.settings->'attribution' as attribution
    from orders o join shops s on s.id = o.shop_id
    where o.shop_id = ${shopId} and o.id = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`))
    .map((o) => ({ ...o, placedAt: new Date(o.placedAt) }));
  // An order we have not stored cannot be credited; the caller decides whether that is an error.
  if (held.length === 0) return out;
  const settings = attributionSettings(held[0]!.attribution);
  const customerIds = [...new Set(held.map((o) => o.customerId))];
  const lastPlaced = new Date(Math.max(...held.map((o) => o.placedAt.getTime())));
  const firstPlaced = Math.min(...held.map((o) => o.placedAt.getTime()));
  const engagementWindowMs = Math.max(settings.clickWindowMs, settings.openWindowMs);
  const engagedFrom = new Date(firstPlaced - engagementWindowMs).toISOString();
  // The customers' messages sent before the last order: those a send can earn credit for, and those
  // engaged with in the window, whenever they went out (a message sent long ago can still be clicked),
  // each with its engagement in the window.
  const sentAll = rowsOf<{ id: string; customerId: string; provider: string; sentAt: string | Date; workflowId: string; step: number; channel: string;
    discountTier: number; engagement: { kind: string; occurredAt: string; detail: Record<string, unknown> }[] }>(await db.execute(sql`
    select d.*, e.engagement from (
      select id, customer_id as "customerId", provider, sent_at as "sentAt", workflow_id as "workflowId", step, channel, discount_tier as "discountTier"
      from dispatches where shop_id = ${shopId} and customer_id = any(array(select jsonb_array_elements_text(${JSON.stringify(customerIds)}::jsonb)))
        and sent_at is not null and sent_at <= ${lastPlaced.toISOString()}::timestamptz) d
    cross join lateral (select coalesce(jsonb_agg(jsonb_build_object('kind', pe.kind, 'occurredAt', pe.occurred_at, 'detail', pe.detail)), '[]'::jsonb) as engagement
      from provider_events pe where pe.customer_id = d."customerId" and pe.dispatch_id = d.id and pe.kind in ('opened', 'clicked')
        and pe.occurred_at >= ${engagedFrom}::timestamptz and pe.occurred_at <= ${lastPlaced.toISOString()}::timestamptz) e
    where d."sentAt" >= ${new Date(firstPlaced - settings.untrackedSendWindowMs).toISOString()}::timestamptz or jsonb_array_length(e.engagement) > 0`))
    .map((d) => ({ ...d, sentAt: new Date(d.sentAt) }));
  const engagement = sentAll.flatMap((d) => d.engagement.map((e) => ({ dispatchId: d.id, customerId: d.customerId, sentAt: d.sentAt, kind: e.kind,
    occurredAt: new Date(e.occurredAt), detail: e.detail })));
  const credited: { id: string; d: string | null }[] = [];
  for (const order of held) {
    const placed = order.placedAt.getTime();
    const ours = (d: { customerId: string; sentAt: Date }) => d.customerId === order.customerId && d.sentAt.getTime() <= placed;
    const inWindow = engagement.filter((e) => ours(e) && e.occurredAt.getTime() >= placed - engagementWindowMs && e.occurredAt.getTime() <= placed);
    const engaged = new Set(inWindow.map((e) => e.dispatchId));
    const sent = sentAll.filter((d) => ours(d) && (d.sentAt.getTime() >= placed - settings.untrackedSendWindowMs || engaged.has(d.id)));
    const touches: Touch[] = sent.map((d) => {
      const events = inWindow.filter((e) => e.dispatchId === d.id);
      return {
        dispatchId: d.id,
        provider: d.provider,
        sentAt: d.sentAt,
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
