import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { customerModelFrom, shopModelFrom, type ShopModel } from '../learning/model-store.ts';
import type { StageThresholds } from '../models/lifecycle/thresholds.ts';
import type { CustomerModelState, DiscountSegmentState, ShopModelState } from '../models/state.ts';
import type { DecideRequest, Decision } from '../workflows/types.ts';
import { customerContextFrom, UnknownCustomerError, type CustomerContext } from './customer-context.ts';
import { UnknownShopError } from './errors.ts';

/** Everything one decision reads, fetched in one statement (one round trip instead of nine). */
export interface DecideInputs {
  /** The step's decision when it was already made (a retry or a replay). */
  stored: Decision | null;
  context: CustomerContext;
  shop: ShopModel;
  customer: CustomerModelState;
  /** The shop's pooled discount posteriors by segment key (only those stored so far). */
  discountSegments: Record<string, DiscountSegmentState>;
  /** Current price of each of the request's products that exists, by product ID. */
  pricesMinor: Record<string, number>;
}

interface Row {
  stored: (Decision & { model?: unknown }) | null;
  customer: { timezone: string | null; locale: string | null; stage: string } | null;
  shop: { timezone: string; currency: string; quietStartMinute: number; quietEndMinute: number; settings: unknown };
  consents: { channel: string; granted: boolean }[];
  has_email: boolean;
  has_phone: boolean;
  shop_state: ShopModelState | null;
  thresholds: StageThresholds | null;
  customer_state: CustomerModelState | null;
  segments: Record<string, DiscountSegmentState> | null;
  prices: Record<string, number> | null;
}

/** A stored decision record without the model's explanation kept beside it (learning/decide-core.ts decisionRecord). */
export function decisionOf(record: Decision & { model?: unknown }): Decision {
  const { model: _model, ...decision } = record;
  return decision;
}

export async function loadDecideInputs(database: Database, request: DecideRequest): Promise<DecideInputs> {
  const { shopId, customerId } = request;
  const prices = request.productIds.length === 0
    ? sql`null::json`
    : sql`(select json_object_agg(p.id, p.price_minor) from products p
         where p.shop_id = ${shopId} and p.id in (${sql.join(request.productIds.map((id) => sql`${id}`), sql`, `)}))`;
  const [row] = await database.rows<Row>(sql`
    select
      (select d.decision from decisions d where d.workflow_id = ${request.workflowId} and d.step = ${request.step}) as stored,
      (select json_build_object('timezone', c.timezone, 'locale', c.locale, 'stage', c.stage)
         from customers c where c.shop_id = s.id and c.id = ${customerId}) as customer,
      json_build_object('timezone', s.timezone, 'currency', s.currency, 'quietStartMinute', s.quiet_start_minute,
        'quietEndMinute', s.quiet_end_minute, 'settings', s.settings) as shop,
      coalesce((select json_agg(json_build_object('channel', k.channel, 'granted', k.granted) order by k.recorded_at desc, k.id desc)
         from consents k where k.shop_id = s.id and k.customer_id = ${customerId}), '[]'::json) as consents,
      coalesce((select ct.email_enc is not null from contacts ct where ct.shop_id = s.id and ct.customer_id = ${customerId}), false) as has_email,
      coalesce((select ct.phone_enc is not null from contacts ct where ct.shop_id = s.id and ct.customer_id = ${customerId}), false) as has_phone,
      sm.state as shop_state,
      sm.stage_thresholds as thresholds,
      (select cm.state from customer_model_states cm where cm.shop_id = s.id and cm.customer_id = ${customerId}) as customer_state,
      (select json_object_agg(ds.segment, ds.state) from discount_segment_states ds where ds.shop_id = s.id) as segments,
      ${prices} as prices
    from shops s
    left join shop_model_states sm on sm.shop_id = s.id
    where s.id = ${shopId}`);
  if (!row) throw new UnknownShopError(shopId);
  if (!row.customer) throw new UnknownCustomerError(shopId, customerId);
  const context = customerContextFrom(row.customer, row.shop, row.consents, { email: row.has_email, phone: row.has_phone });
  return {
    stored: row.stored ? decisionOf(row.stored) : null,
    context,
    shop: shopModelFrom(row.shop_state, row.thresholds, row.shop),
    customer: customerModelFrom(row.customer_state, context.timezone, request.earliest),
    discountSegments: row.segments ?? {},
    pricesMinor: row.prices ?? {},
  };
}
