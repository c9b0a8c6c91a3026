import { sql } from 'drizzle-orm';
import { machineOpenSql } from '../attribution/machine-opens.ts';
import { loadAttributionSettings } from '../attribution/settings.ts';
import type { Database } from '../db/client.ts';
import type { Period } from './period.ts';

export interface JourneyFunnel {
  journey: string;
  triggered: number;
  decided: number;
  sent: number;
  opened: number;
  clicked: number;
  /** Journeys whose order was credited to one of their own messages. */
  converted: number;
  /** Journeys that converted before any message went out. */
  convertedBeforeSend: number;
  skipReasons: { reason: string; count: number }[];
}

/**
 * The funnel of each journey started in the period: triggered → decided → sent → opened → clicked →
 * converted, each counted once per journey, and why steps were skipped. A decision's own reason (for
 * example "holdout") replaces the generic "no_action" the journey records for it.
 */
export async function journeyFunnels(database: Database, shopId: string, period: Period): Promise<JourneyFunnel[]> {
  const { excludeMachineOpens } = await loadAttributionSettings(database.db, shopId);
  const human = excludeMachineOpens ? sql`not ${machineOpenSql(sql`pe.detail`)}` : sql`true`;
  const from = period.from.toISOString();
  const to = period.to.toISOString();
  const funnel = await database.rows<Record<string, unknown>>(sql`
    with j as (
      select workflow_id, journey from journeys
      where shop_id = ${shopId} and started_at >= ${from}::timestamptz and started_at < ${to}::timestamptz
    )
    select j.journey,
      count(*) as triggered,
      count(*) filter (where exists (select 1 from decisions x where x.workflow_id = j.workflow_id)) as decided,
      count(*) filter (where exists (select 1 from dispatches d where d.workflow_id = j.workflow_id and d.sent_at is not null)) as sent,
      count(*) filter (where exists (select 1 from dispatches d join provider_events pe on pe.dispatch_id = d.id
                                     where d.workflow_id = j.workflow_id and pe.kind = 'opened' and ${human})) as opened,
      count(*) filter (where exists (select 1 from dispatches d join provider_events pe on pe.dispatch_id = d.id
                                     where d.workflow_id = j.workflow_id and pe.kind = 'clicked')) as clicked,
      count(*) filter (where exists (select 1 from outcomes o where o.workflow_id = j.workflow_id and o.kind = 'converted' and o.dispatch_id is not null)) as converted,
      count(*) filter (where exists (select 1 from outcomes o where o.workflow_id = j.workflow_id and o.kind = 'converted' and o.reason = 'converted_before_send')) as converted_before_send
    from j group by j.journey order by j.journey
  `);
  const skips = await database.rows<{ journey: string; reason: string; count: unknown }>(sql`
    select j.journey, coalesce(case when o.reason = 'no_action' then x.decision->>'reason' end, o.reason, 'unknown') as reason, count(*) as count
    from journeys j
    join outcomes o on o.workflow_id = j.workflow_id and o.kind = 'skipped'
    left join decisions x on x.workflow_id = o.workflow_id and x.step = o.step
    where j.shop_id = ${shopId} and j.started_at >= ${from}::timestamptz and j.started_at < ${to}::timestamptz
    group by 1, 2 order by 3 desc
  `);
  return funnel.map((r) => ({
    journey: String(r.journey),
    triggered: Number(r.triggered),
    decided: Number(r.decided),
    sent: Number(r.sent),
    opened: Number(r.opened),
    clicked: Number(r.clicked),
    converted: Number(r.converted),
    convertedBeforeSend: Number(r.converted_before_send),
    skipReasons: skips.filter((s) => s.journey === r.journey).map((s) => ({ reason: s.reason, count: Number(s.count) })),
  }));
}
