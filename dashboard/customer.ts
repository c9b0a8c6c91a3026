import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { machineOpenSql } from '../attribution/machine-opens.ts';
import { loadAttributionSettings } from '../attribution/settings.ts';
import type { Database } from '../db/client.ts';
import { customers, decisions, journeys, products } from '../db/schema.ts';
import { ratePosterior, type RatePosterior } from '../experiments/stats.ts';
import { loadCustomerModel, loadShopModel } from '../learning/model-store.ts';
import { betaInterval } from '../models/core/beta.ts';
import { channelPosterior, resolveChannelPrior } from '../models/channel/posterior.ts';
import { PERSON_CHANNELS, STAGES, type PersonChannel, type Stage } from '../models/types.ts';

const HISTORY_LIMIT = 100;

export interface CustomerView {
  id: string;
  stage: string;
  timezone: string;
  firstSeenAt: string;
  /**
   * Per channel: messages sent and engaged with (a human open or a click), that count's Beta posterior,
   * and the decision model's own posterior (pooled prior, decayed evidence), which is what decide samples.
   */
  channels: ({ channel: string; sent: number; engaged: number; model: { alpha: number; beta: number; mean: number; interval: [number, number] } | null } &
    Pick<RatePosterior, 'alpha' | 'beta' | 'mean' | 'interval'>)[];
  /** Activity and engagement by local weekday (0 = Monday) × hour, in the customer's time zone. */
  heatmap: number[][];
  recommendations: { productId: string; title: string | null; decidedAt: string; journey: string }[];
  history: { at: string; kind: string; journey: string; workflowId: string; step: number; channel: string | null; detail: string | null }[];
  journeys: { workflowId: string; journey: string; status: string; startedAt: string; outcome: string | null }[];
}

/** Everything the customer page shows, for one customer of one shop (null when not in this shop). */
export async function customerView(database: Database, shopId: string, customerId: string): Promise<CustomerView | null> {
  const { db } = database;
  const [customer] = await db.select().from(customers).where(and(eq(customers.shopId, shopId), eq(customers.id, customerId)));
  if (!customer) return null;
  const timezone = customer.timezone ?? 'UTC';
  const { excludeMachineOpens } = await loadAttributionSettings(db, shopId);
  const human = excludeMachineOpens ? sql`not ${machineOpenSql(sql`pe.detail`)}` : sql`true`;

  const channelRows = await database.rows<{ channel: string; sent: unknown; engaged: unknown }>(sql`
    select d.channel, count(*) as sent,
      count(*) filter (where exists (select 1 from provider_events pe where pe.dispatch_id = d.id
        and (pe.kind = 'clicked' or (pe.kind = 'opened' and ${human})))) as engaged
    from dispatches d where d.shop_id = ${shopId} and d.customer_id = ${customerId} and d.sent_at is not null
    group by d.channel order by d.channel
  `);
  const heatRows = await database.rows<{ dow: unknown; hour: unknown; n: unknown }>(sql`
    select extract(isodow from t.at at time zone ${timezone}) - 1 as dow, extract(hour from t.at at time zone ${timezone}) as hour, count(*) as n
    from (
      select occurred_at as at from events where shop_id = ${shopId} and customer_id = ${customerId}
      union all
      select pe.occurred_at from provider_events pe join dispatches d on d.id = pe.dispatch_id
      where d.shop_id = ${shopId} and d.customer_id = ${customerId} and (pe.kind = 'clicked' or (pe.kind = 'opened' and ${human}))
    ) t group by 1, 2
  `);
  const heatmap = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const r of heatRows) heatmap[Number(r.dow)]![Number(r.hour)] = Number(r.n);

  const recent = await db
    .select({ workflowId: decisions.workflowId, decision: decisions.decision, createdAt: decisions.createdAt })
    .from(decisions)
    .where(and(eq(decisions.shopId, shopId), eq(decisions.customerId, customerId)))
    .orderBy(desc(decisions.createdAt))
    .limit(5);
  const ids = [...new Set(recent.flatMap((d) => (Array.isArray(d.decision.productIds) ? (d.decision.productIds as string[]) : [])))];
  const titles = new Map(
    ids.length ? (await db.select({ id: products.id, title: products.title }).from(products).where(and(eq(products.shopId, shopId), inArray(products.id, ids)))).map((p) => [p.id, p.title]) : [],
  );
  const seen = new Set<string>();
  const recommendations = recent.flatMap((d) =>
    ((d.decision.productIds as string[] | undefined) ?? []).filter((id) => !seen.has(id) && seen.add(id)).map((productId) => ({
      productId, title: titles.get(productId) ?? null, decidedAt: d.createdAt.toISOString(), journey: d.workflowId.split(':')[0] ?? '',
    })),
  );

  const history = await database.rows<{ at: Date | string; kind: string; workflow_id: string; step: number; channel: string | null; detail: string | null }>(sql`
    select * from (
      select d.sent_at as at, 'sent' as kind, d.workflow_id, d.step, d.channel, d.content_type as detail
      from dispatches d where d.shop_id = ${shopId} and d.customer_id = ${customerId} and d.sent_at is not null
      union all
      select pe.occurred_at, case when pe.kind = 'opened' and not ${human} then 'opened (machine)' else pe.kind end, d.workflow_id, d.step, d.channel, null
      from provider_events pe join dispatches d on d.id = pe.dispatch_id
      where d.shop_id = ${shopId} and d.customer_id = ${customerId}
      union all
      select o.occurred_at, o.kind, o.workflow_id, o.step, null,
        coalesce(case when o.reason = 'no_action' then x.decision->>'reason' end, o.reason)
      from outcomes o left join decisions x on x.workflow_id = o.workflow_id and x.step = o.step
      where o.shop_id = ${shopId} and o.customer_id = ${customerId}
    ) h order by at desc limit ${HISTORY_LIMIT}
  `);
  const journeyRows = await db
    .select()
    .from(journeys)
    .where(and(eq(journeys.shopId, shopId), eq(journeys.customerId, customerId)))
    .orderBy(desc(journeys.startedAt))
    .limit(HISTORY_LIMIT);

  return {
    id: customer.id,
    stage: customer.stage,
    timezone,
    firstSeenAt: customer.firstSeenAt.toISOString(),
    channels: await channelViews(db, shopId, customerId, timezone, customer.stage, channelRows),
    heatmap,
    recommendations,
    history: history.map((h) => ({ at: new Date(h.at).toISOString(), kind: h.kind, journey: h.workflow_id.split(':')[0] ?? '', workflowId: h.workflow_id, step: Number(h.step), channel: h.channel, detail: h.detail })),
    journeys: journeyRows.map((j) => ({ workflowId: j.workflowId, journey: j.journey, status: j.status, startedAt: j.startedAt.toISOString(), outcome: j.outcome })),
  };
}

/** Customers with the most recent journeys first, a page at a time; `q` matches the key's start. */
export async function customerList(database: Database, shopId: string, options: { q?: string; limit: number; offset: number }) {
  const prefix = options.q ? `${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '%';
  const rows = await database.rows<Record<string, unknown>>(sql`
    select c.id, c.stage, max(j.started_at) as last_journey_at, count(j.workflow_id) as journeys
    from customers c left join journeys j on j.shop_id = c.shop_id and j.customer_id = c.id
    where c.shop_id = ${shopId} and c.id like ${prefix}
    group by c.id, c.stage
    order by max(j.started_at) desc nulls last, c.id
    limit ${options.limit} offset ${options.offset}
  `);
  return rows.map((r) => ({ id: String(r.id), stage: String(r.stage), journeys: Number(r.journeys), lastJourneyAt: r.last_journey_at ? new Date(r.last_journey_at as string).toISOString() : null }));
}

async function channelViews(db: Database['db'], shopId: string, customerId: string, timezone: string, stage: string, rows: { channel: string; sent: unknown; engaged: unknown }[]) {
  const now = new Date();
  const shop = await loadShopModel(db, shopId);
  const model = await loadCustomerModel(db, shopId, customerId, timezone, now.toISOString());
  const observed = new Map(rows.map((r) => [r.channel, { sent: Number(r.sent), engaged: Number(r.engaged) }]));
  const isPerson = (c: string): c is PersonChannel => (PERSON_CHANNELS as readonly string[]).includes(c);
  const names = [...new Set([...observed.keys(), ...Object.keys(model.channels)])].sort();
  return names.map((channel) => {
    const { sent, engaged } = observed.get(channel) ?? { sent: 0, engaged: 0 };
    const { alpha, beta, mean, interval } = ratePosterior(engaged, sent);
    let belief = null;
    if (isPerson(channel)) {
      const params = channelPosterior(model.channels[channel], resolveChannelPrior(shop.state, channel, (STAGES as readonly string[]).includes(stage) ? (stage as Stage) : 'new'), now.getTime(), shop.state.halfLifeDays);
      belief = { ...params, mean: params.alpha / (params.alpha + params.beta), interval: betaInterval(params, 0.95) };
    }
    return { channel, sent, engaged, alpha, beta, mean, interval, model: belief };
  });
}
