import { sql } from 'drizzle-orm';
import type { RecsService } from '../recs-store/service.ts';
import { variantEngine } from '../recs-store/variant.ts';
import type { ContentChoice, ContentRequest } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';
import { textArray } from './sql-array.ts';

const DAY = 86_400_000;
const DEFAULT_LIMIT = 4;

/**
 * Which products a journey step is about: the recommender's choice for the journey (recs-store/plan.ts;
 * the engine an experiment arm names, if any). The SQL rules below answer only when the recommender has
 * nothing beyond the trigger's own products (a shop with no signals yet) or no recommender is given.
 */
export function createChooseContent(deps: ActivityDeps, recs?: RecsService) {
  const { rows } = deps.database;
  const inStock = sql`(p.stock is null or p.stock > 0)`;
  const ids = (list: { id: string }[]) => list.map((r) => r.id);
  const unique = (list: string[], limit: number) => [...new Set(list)].slice(0, limit);

  /** Products ordered together with `productIds`, most shared orders first. */
  const boughtTogether = (shopId: string, productIds: string[], limit: number) =>
    rows<{ id: string }>(sql`
      select b.product_id as id from order_lines a
      join order_lines b on b.order_id = a.order_id and not (b.product_id = any(${textArray(productIds)}))
      join orders o on o.id = a.order_id and o.shop_id = ${shopId}
      join products p on p.shop_id = ${shopId} and p.id = b.product_id and ${inStock}
      where a.product_id = any(${textArray(productIds)})
      group by b.product_id order by count(distinct a.order_id) desc, b.product_id limit ${limit}`);

  /** Best sellers, optionally within categories; starter-pack products first when asked. */
  const bestSellers = (shopId: string, categories: string[] | null, exclude: string[], limit: number, starterFirst = false) =>
    rows<{ id: string }>(sql`
      select p.id from products p
      left join order_lines l on l.product_id = p.id
      left join orders o on o.id = l.order_id and o.shop_id = p.shop_id
      where p.shop_id = ${shopId} and ${inStock} and not (p.id = any(${textArray(exclude)}))
        and (${categories === null} or p.category = any(${textArray(categories ?? [])}))
      group by p.id
      order by ${starterFirst ? sql`bool_or(coalesce(p.attributes->>'starterPack', '') = 'true') desc,` : sql``}
        coalesce(sum(l.quantity) filter (where o.id is not null), 0) desc, p.id
      limit ${limit}`);

  /** Categories the customer showed interest in: products viewed, carted or bought, most often first. */
  const interests = (shopId: string, customerId: string) =>
    rows<{ category: string }>(sql`
      select p.category from (
        select product_id from events where shop_id = ${shopId} and customer_id = ${customerId} and product_id is not null
        union all
        select l.product_id from order_lines l join orders o on o.id = l.order_id where o.shop_id = ${shopId} and o.customer_id = ${customerId}
        union all
        select i->>'productId' from carts c, jsonb_array_elements(c.items) i where c.shop_id = ${shopId} and c.customer_id = ${customerId}
      ) seen join products p on p.shop_id = ${shopId} and p.id = seen.product_id
      where p.category is not null group by p.category order by count(*) desc, p.category limit 3`);

  /** Which of `productIds` are in stock, in their given order. */
  const available = async (shopId: string, productIds: string[]) => {
    const found = new Set(ids(await rows<{ id: string }>(sql`select p.id from products p where p.shop_id = ${shopId} and p.id = any(${textArray(productIds)}) and ${inStock}`)));
    return productIds.filter((id) => found.has(id));
  };

  const categoriesOf = (shopId: string, productIds: string[]) =>
    rows<{ category: string }>(sql`select distinct category from products where shop_id = ${shopId} and id = any(${textArray(productIds)}) and category is not null`);

  /** Shortest replenishment time among the products, from their `replenishDays` attribute. */
  const replenishDays = async (shopId: string, productIds: string[]) => {
    const [row] = await rows<{ days: number | null }>(sql`
      select min((attributes->>'replenishDays')::numeric) as days from products
      where shop_id = ${shopId} and id = any(${textArray(productIds)}) and attributes ? 'replenishDays'`);
    return row?.days === null || row?.days === undefined ? null : Number(row.days);
  };

  /** The recommender's products, or null when it has nothing of its own to add. */
  const recommended = async (request: ContentRequest, limit: number): Promise<{ productIds: string[]; source: string } | null> => {
    if (!recs) return null;
    const engine = await variantEngine(deps.database.db, request);
    const result = await recs.recommend({ ...request, limit, engine, ...(deps.now ? { now: deps.now() } : {}) });
    const ownPicks = request.journey === 'clearance' || result.items.some((i) => i.source !== 'trigger');
    return ownPicks ? { productIds: result.productIds, source: `recs:${result.source}` } : null;
  };

  /** Cross-sell asks again a little before the bought item runs out, not after. */
  const crossSellDelay = async (shopId: string, productIds: string[]) => {
    const days = await replenishDays(shopId, productIds);
    return days === null ? null : Math.round(days * 0.8 * DAY * deps.timeScale);
  };

  return async function chooseContent(request: ContentRequest): Promise<ContentChoice> {
    const { shopId, customerId, productIds } = request;
    const limit = request.limit ?? DEFAULT_LIMIT;
    const fromRecs = await recommended(request, limit);
    if (fromRecs) return { ...fromRecs, delayMs: request.journey === 'cross-sell' ? await crossSellDelay(shopId, productIds) : null };
    switch (request.journey) {
      case 'browse-abandon': {
        const categories = (await categoriesOf(shopId, productIds)).map((r) => r.category);
        const similar = ids(await bestSellers(shopId, categories, productIds, limit - 1));
        return { productIds: unique([...(await available(shopId, productIds)), ...similar], limit), source: 'viewed+category-best-sellers', delayMs: null };
      }
      case 'onboarding': {
        const categories = (await interests(shopId, customerId)).map((r) => r.category);
        const shaped = categories.length ? ids(await bestSellers(shopId, categories, [], limit, true)) : [];
        const fill = ids(await bestSellers(shopId, null, shaped, limit - shaped.length, true));
        return { productIds: unique([...shaped, ...fill], limit), source: categories.length ? 'starter-packs-by-interest' : 'starter-packs', delayMs: null };
      }
      case 'cross-sell': {
        const together = ids(await boughtTogether(shopId, productIds, limit));
        const categories = (await categoriesOf(shopId, productIds)).map((r) => r.category);
        const fill = together.length < limit ? ids(await bestSellers(shopId, categories, [...productIds, ...together], limit - together.length)) : [];
        const delayMs = await crossSellDelay(shopId, productIds);
        return { productIds: unique([...together, ...fill], limit), source: together.length ? 'bought-together' : 'category-best-sellers', delayMs };
      }
      case 'win-back': {
        const categories = (await interests(shopId, customerId)).map((r) => r.category);
        const picks = ids(await bestSellers(shopId, categories.length ? categories : null, [], limit));
        return { productIds: picks, source: categories.length ? 'best-sellers-by-interest' : 'best-sellers', delayMs: null };
      }
      case 'cart-abandon': {
        // The cart as far as it is in stock, then what is often bought with it (shown apart as related items).
        const cart = await available(shopId, productIds);
        const together = ids(await boughtTogether(shopId, productIds, limit));
        return { productIds: unique([...cart, ...together.filter((id) => !productIds.includes(id))], limit), source: together.length ? 'cart+bought-together' : 'trigger', delayMs: null };
      }
      default: {
        // clearance sends what the trigger names, as far as it is in stock.
        return { productIds: await available(shopId, productIds), source: 'trigger', delayMs: null };
      }
    }
  };
}
