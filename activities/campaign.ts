import { eq, sql } from 'drizzle-orm';
import { journeys, shops } from '../db/schema.ts';
import type { AudiencePageRequest, CampaignPlan, CampaignPlanRequest, RegisterJourneysRequest } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';
import { textArray } from './sql-array.ts';
import { CampaignTargetError, UnknownShopError } from './errors.ts';

/** Fan-out rate when a shop has not set `settings.campaignRatePerMinute`. */
export const DEFAULT_CAMPAIGN_RATE_PER_MINUTE = 60;

/** Customers whose profile shows interest: they viewed, carted or bought the items or their categories. */
const interested = (r: { shopId: string; productIds: string[]; categories: string[] }) => sql`
  select distinct c.id from customers c
  where c.shop_id = ${r.shopId} and c.merged_into is null and c.anonymous = false and exists (
    select 1 from (
      select e.product_id from events e where e.shop_id = ${r.shopId} and e.customer_id = c.id and e.product_id is not null
      union all
      select l.product_id from order_lines l join orders o on o.id = l.order_id where o.shop_id = ${r.shopId} and o.customer_id = c.id
      union all
      select i->>'productId' from carts k, jsonb_array_elements(k.items) i where k.shop_id = ${r.shopId} and k.customer_id = c.id
    ) seen join products p on p.shop_id = ${r.shopId} and p.id = seen.product_id
    where p.id = any(${textArray(r.productIds)}) or p.category = any(${textArray(r.categories)}))`;

export function createCampaignActivities(deps: ActivityDeps) {
  const { db, rows } = deps.database;
  return {
    /** Resolves the campaign's items, its audience size and the fan-out rate the shop allows. */
    async prepareCampaign(request: CampaignPlanRequest): Promise<CampaignPlan> {
      const [shop] = await db.select({ settings: shops.settings }).from(shops).where(eq(shops.id, request.shopId));
      if (!shop) throw new UnknownShopError(request.shopId);
      const { productIds = null, category = null, lowStockAtMost = null, season = null } = request.target;
      const items = await rows<{ id: string; category: string | null }>(sql`
        select id, category from products where shop_id = ${request.shopId} and (stock is null or stock > 0)
          and (${productIds === null} or id = any(${textArray(productIds ?? [])}))
          and (${category === null} or category = ${category})
          and (${lowStockAtMost === null} or stock <= ${lowStockAtMost})
          and (${season === null} or attributes->>'season' = ${season})
        order by id`);
      if (items.length === 0) {
        throw new CampaignTargetError(`campaign ${request.campaignId}: no in-stock product in shop ${request.shopId} matches ${JSON.stringify(request.target)}; widen the target (--category, --low-stock, --season or --products)`);
      }
      const categories = category ? [category] : [...new Set(items.map((i) => i.category).filter((c) => c !== null))];
      const ids = items.map((i) => i.id);
      const [count] = await rows<{ n: number }>(sql`select count(*)::int as n from (${interested({ shopId: request.shopId, productIds: ids, categories })}) a`);
      const allowed = Number(shop.settings.campaignRatePerMinute ?? DEFAULT_CAMPAIGN_RATE_PER_MINUTE);
      const ratePerMinute = Math.max(1, Math.min(allowed, request.ratePerMinute ?? allowed));
      // Four batches a minute keeps the pace even without a timer per customer.
      const batchSize = Math.max(1, Math.min(100, Math.floor(ratePerMinute / 4)));
      return { productIds: ids, categories, audienceTotal: count?.n ?? 0, ratePerMinute, batchSize };
    },

    /** One page of the audience in customer-key order, after the cursor. */
    async campaignAudiencePage(request: AudiencePageRequest): Promise<string[]> {
      const page = await rows<{ id: string }>(sql`
        select id from (${interested(request)}) a where (${request.after === null} or id > ${request.after ?? ''})
        order by id limit ${request.limit}`);
      return page.map((r) => r.id);
    },

    /** Records started journeys so conversions and the CLI can find them. */
    async registerJourneys(request: RegisterJourneysRequest): Promise<void> {
      if (request.journeys.length === 0) return;
      await db
        .insert(journeys)
        .values(request.journeys.map((j) => ({ workflowId: j.workflowId, shopId: request.shopId, customerId: j.customerId, journey: request.journey, triggerKey: request.triggerKey })))
        .onConflictDoNothing();
    },
  };
}
