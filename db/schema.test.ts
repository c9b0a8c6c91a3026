import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDrivers } from '../test/db.ts';
import { createDatabase, type Database } from './client.ts';
import { contacts, customers, dispatches, events, orders, shops } from './schema.ts';

describe.each(testDrivers)('schema on %s', (driver) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(driver);
  });
  afterAll(async () => database?.close());

  it('creates every core table', async () => {
    const rows = await database.rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    const names = rows.map((r) => r.table_name);
    for (const table of ['shops', 'api_keys', 'customers', 'customer_identities', 'contacts', 'consents', 'products', 'carts',
      'orders', 'order_lines', 'events', 'journeys', 'decisions', 'dispatches', 'outcomes', 'rejected_payloads']) {
      expect(names).toContain(table);
    }
  });

  it('keeps contacts apart and enforces one order per source id and one dispatch per key', async () => {
    const { db } = database;
    await db.insert(shops).values({ id: 'shop-a', name: 'A', currency: 'EUR' });
    await db.insert(customers).values({ id: 'cus_1', shopId: 'shop-a' });
    await db.insert(contacts).values({ customerId: 'cus_1', shopId: 'shop-a', emailEnc: 'v1.x.y.z' });
    const order = { id: 'ord_1', shopId: 'shop-a', source: 'shopify', sourceId: '1001', customerId: 'cus_1', status: 'placed' as const,
      currency: 'EUR', totalMinor: 4990, placedAt: new Date('2026-01-01T10:00:00Z') };
    await db.insert(orders).values(order);
    await expect(db.insert(orders).values({ ...order, id: 'ord_2' })).rejects.toThrow();
    const dispatch = { id: 'd1', idempotencyKey: 'wf:1:email', shopId: 'shop-a', customerId: 'cus_1', workflowId: 'wf', step: 1,
      channel: 'email', contentType: 'cart_reminder', status: 'reserved' as const, provider: 'outbox' };
    await db.insert(dispatches).values(dispatch);
    const again = await db.insert(dispatches).values({ ...dispatch, id: 'd2' }).onConflictDoNothing().returning();
    expect(again).toHaveLength(0);
    const [stored] = await db.select().from(orders).where(and(eq(orders.shopId, 'shop-a'), eq(orders.sourceId, '1001')));
    expect(stored?.totalMinor).toBe(4990);
    expect(stored?.placedAt.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('removes a shop and everything it owns together', async () => {
    const { db } = database;
    await db.insert(shops).values({ id: 'shop-b', name: 'B', currency: 'EUR' });
    const event = { customerId: 'cus_1', type: 'product_viewed', source: 'segment', occurredAt: new Date('2026-01-01T10:00:00Z') };
    await db.insert(events).values([{ ...event, shopId: 'shop-a', sourceEventId: 'm1' }, { ...event, shopId: 'shop-b', sourceEventId: 'm1' }]);
    await db.delete(shops).where(eq(shops.id, 'shop-a'));
    expect(await db.select().from(customers)).toHaveLength(0);
    expect(await db.select().from(contacts)).toHaveLength(0);
    // Events carry no foreign key (its per-row check was as dear as the insert); a trigger removes them.
    expect((await db.select().from(events)).map((e) => e.shopId)).toEqual(['shop-b']);
  });
});

// pg_stat_activity tells which process a backend serves (runtime/stack.ts names them nextbest-api, ...).
describe.runIf(process.env.DATABASE_URL && !process.env.PGAPPNAME)('Postgres connections', () => {
  it('carry the application name they were created with, nextbest by default', async () => {
    for (const [options, expected] of [[{ applicationName: 'nextbest-api+ingest' }, 'nextbest-api+ingest'], [{}, 'nextbest']] as const) {
      const database = createDatabase({ url: process.env.DATABASE_URL, max: 1, ...options });
      try {
        const [row] = await database.rows<{ name: string }>(sql`select current_setting('application_name') as name`);
        expect(row?.name).toBe(expected);
      } finally {
        await database.close();
      }
    }
  });
});
