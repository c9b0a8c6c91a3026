import { eq, sql } from 'drizzle-orm';
import { machineOpenSql } from '../attribution/machine-opens.ts';
import { UNTRACKED_PROVIDERS } from '../attribution/rules.ts';
import { loadAttributionSettings } from '../attribution/settings.ts';
import type { Database } from '../db/client.ts';
import { shops } from '../db/schema.ts';
import type { Period } from './period.ts';
import { shopTargets, type Targets } from './targets.ts';

export interface OverviewCounts {
  sends: number;
  delivered: number;
  opened: number;
  clicked: number;
  recipients: number;
  /** Recipients with an order credited to one of the period's messages. */
  convertedRecipients: number;
  attributedOrders: number;
  attributedRevenueMinor: number;
  /** Orders credited to a cart-abandon message ("recovered carts") and the discount they used. */
  recoveredCarts: number;
  recoveredCartDiscountMinor: number;
  /** Distinct customers with any activity in the period. */
  traffic: number;
}

export interface OverviewRates {
  deliveryRate: number | null;
  openRate: number | null;
  clickThroughRate: number | null;
  conversionOfRecipients: number | null;
  conversionOfTraffic: number | null;
  revenuePerRecipientMinor: number | null;
  discountPerRecoveredCartMinor: number | null;
}

export interface Overview {
  shopId: string;
  currency: string;
  timezone: string;
  from: string;
  to: string;
  excludeMachineOpens: boolean;
  totals: OverviewCounts & OverviewRates;
  targets: Targets;
  trend: (OverviewCounts & OverviewRates & { day: string })[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export function rates(c: OverviewCounts): OverviewRates {
  return {
    deliveryRate: ratio(c.delivered, c.sends),
    openRate: ratio(c.opened, c.delivered),
    clickThroughRate: ratio(c.clicked, c.delivered),
    conversionOfRecipients: ratio(c.convertedRecipients, c.recipients),
    conversionOfTraffic: ratio(c.convertedRecipients, c.traffic),
    revenuePerRecipientMinor: ratio(c.attributedRevenueMinor, c.recipients),
    discountPerRecoveredCartMinor: ratio(c.recoveredCartDiscountMinor, c.recoveredCarts),
  };
}

/**
 * The shop's numbers for a period, in total and per day (the shop's time zone), aggregated in SQL with
 * grouping sets so distinct counts are right in both. Messages count on the day they were sent; an
 * order counts with the message it is credited to.
 */
export async function overview(database: Database, shopId: string, period: Period): Promise<Overview> {
  const [shop] = await database.db.select().from(shops).where(eq(shops.id, shopId));
  if (!shop) throw new Error(`shop ${shopId} not found`);
  const { excludeMachineOpens } = await loadAttributionSettings(database.db, shopId);
  const tz = shop.timezone;
  const from = period.from.toISOString();
  const to = period.to.toISOString();
  const human = excludeMachineOpens ? sql`not ${machineOpenSql(sql`pe.detail`)}` : sql`true`;
  const untracked = sql.join([...UNTRACKED_PROVIDERS].map((p) => sql`${p}`), sql`, `);

  // One row per message (its engagement looked up by index), then totals and days in one pass.
  const sendRows = await database.rows<Record<string, unknown>>(sql`
    select day,
      count(distinct id) as sends,
      count(distinct id) filter (where delivered) as delivered,
      count(distinct id) filter (where opened) as opened,
      count(distinct id) filter (where clicked) as clicked,
      count(distinct customer_id) as recipients,
      count(distinct order_customer) as converted_recipients,
      count(order_id) as attributed_orders,
      coalesce(sum(total_minor), 0) as attributed_revenue,
      count(order_id) filter (where cart) as recovered_carts,
      coalesce(sum(discount_minor) filter (where cart), 0) as recovered_discount
    from (
      select d.id, d.customer_id, to_char(d.sent_at at time zone ${tz}, 'YYYY-MM-DD') as day,
        d.status = 'delivered' or d.provider in (${untracked}) or coalesce(e.delivered, false) as delivered,
        coalesce(e.opened, false) as opened, coalesce(e.clicked, false) as clicked,
        d.workflow_id like 'cart-abandon:%' as cart,
        o.id as order_id, o.customer_id as order_customer, o.total_minor, o.discount_minor
      from dispatches d
      left join lateral (
        select bool_or(pe.kind = 'delivered') as delivered, bool_or(pe.kind = 'opened' and ${human}) as opened, bool_or(pe.kind = 'clicked') as clicked
        from provider_events pe where pe.dispatch_id = d.id
      ) e on true
      left join orders o on o.attributed_dispatch_id = d.id and o.shop_id = d.shop_id and o.status <> 'cancelled'
      where d.shop_id = ${shopId} and d.sent_at >= ${from}::timestamptz and d.sent_at < ${to}::timestamptz and d.status in ('sent', 'delivered')
    ) m
    group by grouping sets ((day), ())
  `);
  const trafficRows = await database.rows<{ day: string | null; traffic: unknown }>(sql`
    select day, count(distinct customer_id) as traffic
    from (
      select to_char(occurred_at at time zone ${tz}, 'YYYY-MM-DD') as day, customer_id
      from events
      where shop_id = ${shopId} and customer_id is not null and occurred_at >= ${from}::timestamptz and occurred_at < ${to}::timestamptz
    ) t
    group by grouping sets ((day), ())
  `);

  const traffic = new Map(trafficRows.map((r) => [r.day, Number(r.traffic)]));
  const counts = (r: Record<string, unknown> | undefined, day: string | null): OverviewCounts => {
    const n = (k: string) => Number(r?.[k] ?? 0);
    return {
      sends: n('sends'), delivered: n('delivered'), opened: n('opened'), clicked: n('clicked'), recipients: n('recipients'),
      convertedRecipients: n('converted_recipients'), attributedOrders: n('attributed_orders'), attributedRevenueMinor: n('attributed_revenue'),
      recoveredCarts: n('recovered_carts'), recoveredCartDiscountMinor: n('recovered_discount'), traffic: traffic.get(day) ?? 0,
    };
  };
  const byDay = new Map(sendRows.filter((r) => r.day !== null).map((r) => [String(r.day), r]));
  const days = [...new Set([...byDay.keys(), ...[...traffic.keys()].filter((d): d is string => d !== null)])].sort();
  const total = counts(sendRows.find((r) => r.day === null), null);
  return {
    shopId, currency: shop.currency, timezone: tz, from, to, excludeMachineOpens,
    totals: { ...total, ...rates(total) },
    targets: shopTargets(shop.settings.targets),
    trend: days.map((day) => {
      const c = counts(byDay.get(day), day);
      return { day, ...c, ...rates(c) };
    }),
  };
}
