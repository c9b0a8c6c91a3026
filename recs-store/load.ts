import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { CustomerEvent, ProductRecord } from '../recs/index.ts';

/** One implicit-feedback signal as the recommender sees it, read from the shop's tables. */
export interface ActivityRow {
  /** The events row that carried it: the watermark incremental updates advance past. */
  eventId: number;
  customerId: string;
  productId: string;
  kind: CustomerEvent['kind'];
  /** Unix seconds, UTC. */
  at: number;
  /** The order of a purchase, the cart of a cart add; null for views. */
  groupId: string | null;
}

/** A product id list as one JSON parameter (an empty list is valid, unlike an expanded IN list). */
export const idSet = (ids: readonly string[]): SQL => sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;

export async function latestEventId(database: Database, shopId: string): Promise<number> {
  const [row] = await database.rows<{ id: number | null }>(sql`select max(id)::float8 as id from events where shop_id = ${shopId}`);
  return row?.id ?? 0;
}

/**
 * Views, cart adds and purchases carried by events with ids in (after, upTo], in id order. A whole-cart
 * update counts the cart's items as cart adds; an order event brings the order's lines (an order seen
 * through two events comes twice: the caller keeps the first).
 */
export function loadActivity(database: Database, shopId: string, after: number, upTo: number): Promise<ActivityRow[]> {
  const window = sql`e.shop_id = ${shopId} and e.id > ${after} and e.id <= ${upTo}`;
  return database.rows<ActivityRow>(sql`
    select e.id::float8 as "eventId", e.customer_id as "customerId", e.product_id as "productId",
      case e.type when 'product_viewed' then 'view' else 'cart' end as kind,
      extract(epoch from e.occurred_at)::float8 as at, e.props->>'cartId' as "groupId"
    from events e
    where ${window} and e.customer_id is not null and e.product_id is not null and e.type in ('product_viewed', 'cart_item_added')
    union all
    select e.id::float8, c.customer_id, i->>'productId', 'cart', extract(epoch from e.occurred_at)::float8, c.id
    from events e
    join carts c on c.shop_id = e.shop_id and c.id = e.props->>'cartId'
    cross join lateral jsonb_array_elements(c.items) i
    where ${window} and e.type = 'cart_updated'
    union all
    select e.id::float8, o.customer_id, l.product_id, 'purchase', extract(epoch from o.placed_at)::float8, o.id
    from events e
    join orders o on o.shop_id = e.shop_id and o.source = e.source and o.source_id = e.props->>'orderId'
    join order_lines l on l.order_id = o.id
    where ${window} and e.type in ('order_placed', 'order_status') and o.status <> 'cancelled'
    order by 1`);
}

/** Every order line of the shop as purchases (training reads orders whole, whatever event brought them). */
export function loadPurchases(database: Database, shopId: string): Promise<ActivityRow[]> {
  return database.rows<ActivityRow>(sql`
    select 0::float8 as "eventId", o.customer_id as "customerId", l.product_id as "productId", 'purchase' as kind,
      extract(epoch from o.placed_at)::float8 as at, o.id as "groupId"
    from orders o join order_lines l on l.order_id = o.id
    where o.shop_id = ${shopId} and o.status <> 'cancelled'
    order by o.placed_at, o.id, l.line_no`);
}

/** Did events in (after, upTo] change products or stock? */
export async function catalogChanged(database: Database, shopId: string, after: number, upTo: number): Promise<boolean> {
  const [row] = await database.rows<{ changed: boolean }>(sql`
    select exists (select 1 from events e where e.shop_id = ${shopId} and e.id > ${after} and e.id <= ${upTo}
      and e.type in ('product_updated', 'inventory_updated')) as changed`);
  return row?.changed ?? false;
}

/** The shop's catalogue. Consumables (a `repeatPurchase` flag or a replenishment time) may be bought again. */
export async function loadCatalog(database: Database, shopId: string): Promise<ProductRecord[]> {
  const rows = await database.rows<{ id: string; title: string; category: string | null; priceMinor: number; stock: number | null; attributes: Record<string, unknown> }>(sql`
    select id, title, category, price_minor as "priceMinor", stock, attributes from products where shop_id = ${shopId} order by id`);
  return rows.map((r) => {
    const attributes = Object.fromEntries(Object.entries(r.attributes ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return {
      productId: r.id,
      ...(r.category ? { category: r.category } : {}),
      priceMinor: Number(r.priceMinor),
      attributes,
      text: r.title,
      inStock: r.stock === null || Number(r.stock) > 0,
      repeatPurchase: r.attributes?.repeatPurchase === true || r.attributes?.replenishDays !== undefined,
    };
  });
}

/** The customer's most recent signals (up to `limit`), oldest first, as the serving rules want them. */
export async function loadCustomerHistory(database: Database, shopId: string, customerId: string, limit = 200): Promise<CustomerEvent[]> {
  const rows = await database.rows<CustomerEvent>(sql`
    select "productId", kind, at from (
      select product_id as "productId", case type when 'product_viewed' then 'view' else 'cart' end as kind,
        extract(epoch from occurred_at)::float8 as at
      from events where shop_id = ${shopId} and customer_id = ${customerId} and product_id is not null
        and type in ('product_viewed', 'cart_item_added')
      union all
      select l.product_id, 'purchase', extract(epoch from o.placed_at)::float8
      from orders o join order_lines l on l.order_id = o.id
      where o.shop_id = ${shopId} and o.customer_id = ${customerId} and o.status <> 'cancelled'
    ) h order by at desc limit ${limit}`);
  return rows.map((r) => ({ productId: r.productId, kind: r.kind, at: Number(r.at) })).reverse();
}

/** Which of `productIds` are in stock right now, in their given order. */
export async function inStockNow(database: Database, shopId: string, productIds: readonly string[]): Promise<string[]> {
  if (productIds.length === 0) return [];
  const rows = await database.rows<{ id: string }>(sql`
    select id from products where shop_id = ${shopId} and id in ${idSet(productIds)} and (stock is null or stock > 0)`);
  const found = new Set(rows.map((r) => r.id));
  return productIds.filter((id) => found.has(id));
}
