import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { carts, consents, customerIdentities, events, importRuns, orderLines, orders, products, shops } from '../db/schema.ts';
import { importRejections } from '../db/schema-ingest.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import type { EntryDeps } from './entry.ts';
import { importFile, type ImportProgress } from './import.ts';

const SHOP = 'shop-import';
let database: Database;
let deps: EntryDeps;
const dir = mkdtempSync(join(tmpdir(), 'nextbest-import-'));
const file = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
};

beforeAll(async () => {
  database = await createTestDatabase();
  deps = { database, cipher: new PiiCipher(TEST_PII_KEY) };
  await database.db.insert(shops).values({ id: SHOP, name: 'Import', currency: 'EUR' });
});
afterAll(async () => database?.close());

/** n orders of 1–3 lines each as CSV, one row per line; `bad` orders get an amount with too many decimals. */
function ordersCsv(n: number, bad: Set<number>): string[] {
  const rows = ['order_id,customer_id,email,placed_at,currency,total,discount,status,product_id,quantity,price'];
  for (let i = 1; i <= n; i++) {
    const lines = 1 + (i % 3);
    for (let l = 0; l < lines; l++) {
      rows.push([`o-${i}`, `c-${i % 17}`, `buyer${i % 17}@example.com`, `2025-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`, 'EUR',
        bad.has(i) ? '12.345' : (lines * 9.99).toFixed(2), '0', i % 4 ? 'fulfilled' : 'paid', `p-${(i + l) % 11}`, '1', '9.99'].join(','));
    }
  }
  return rows;
}

describe('bulk import', () => {
  it('imports orders with their lines from CSV, keeps refused rows with line and reason, and starts no journeys', async () => {
    const path = file('orders.csv', ordersCsv(120, new Set([7, 50])));
    const progress: ImportProgress[] = [];
    const summary = await importFile(deps, { shopId: SHOP, kind: 'orders', file: path, batchSize: 25, onProgress: (p) => progress.push(p) });
    expect(summary).toMatchObject({ records: 120, accepted: 118, duplicate: 0, rejected: 2, alreadyFinished: false });
    expect(progress.at(-1)).toMatchObject({ bytesRead: progress.at(-1)!.bytesTotal, records: 120 });
    expect(progress.length).toBeGreaterThan(4);
    const [o3] = await database.db.select().from(orders).where(and(eq(orders.shopId, SHOP), eq(orders.sourceId, 'o-3')));
    expect(o3).toMatchObject({ source: 'import', totalMinor: 999, status: 'fulfilled' });
    const lines = await database.db.select().from(orderLines).where(eq(orderLines.orderId, o3!.id));
    expect(lines).toHaveLength(1);
    const [o2] = await database.db.select().from(orders).where(and(eq(orders.shopId, SHOP), eq(orders.sourceId, 'o-2')));
    expect(await database.db.select().from(orderLines).where(eq(orderLines.orderId, o2!.id))).toHaveLength(3);
    const refused = await database.db.select({ line: importRejections.line, reason: importRejections.reason }).from(importRejections)
      .where(eq(importRejections.runId, summary.runId)).orderBy(importRejections.line);
    // Order 7 has 2 lines and starts after the header and orders 1–6 (2+3+1+2+3+1 rows): line 14.
    expect(refused).toEqual([{ line: 14, reason: expect.stringMatching(/total: "12.345" has more decimals than EUR allows/) },
      { line: expect.any(Number), reason: expect.stringMatching(/total/) }]);
    expect(await database.rows(sql`select 1 from trigger_outbox where shop_id = ${SHOP}`)).toHaveLength(0);
    const [customer] = await database.db.select().from(customerIdentities).where(and(eq(customerIdentities.shopId, SHOP), eq(customerIdentities.sourceId, 'user:c-3')));
    expect(customer).toBeDefined();

    const again = await importFile(deps, { shopId: SHOP, kind: 'orders', file: path });
    expect(again).toMatchObject({ alreadyFinished: true, accepted: 118 });
  });

  it('resumes an interrupted import after its last stored batch, counting each record once', async () => {
    const path = file('customers.csv', ['customer_id,email,phone,timezone,locale,country,email_opt_in,created_at',
      ...Array.from({ length: 90 }, (_, i) => `cu-${i},person${i}@example.com,+4915112345${String(i).padStart(3, '0')},,de-DE,DE,${i % 2 ? 'yes' : 'no'},2025-03-01T08:00:00Z`),
      'cu-bad,not-an-email,,,,,,2025-03-01T08:00:00Z']);
    let batches = 0;
    await expect(importFile(deps, { shopId: SHOP, kind: 'customers', file: path, batchSize: 20, onProgress: () => {
      if (++batches === 2) throw new Error('interrupted');
    } })).rejects.toThrow('interrupted');
    const [run] = await database.db.select().from(importRuns).where(eq(importRuns.kind, 'customers'));
    expect(run).toMatchObject({ recordsDone: 40, accepted: 40, finishedAt: null });

    const resumed = await importFile(deps, { shopId: SHOP, kind: 'customers', file: path, batchSize: 20 });
    expect(resumed).toMatchObject({ resumedFrom: 40, records: 91, accepted: 90, duplicate: 0, rejected: 1 });
    const ids = await database.db.select().from(customerIdentities).where(and(eq(customerIdentities.shopId, SHOP), sql`${customerIdentities.sourceId} like 'user:cu-%'`));
    expect(ids).toHaveLength(90);
    const granted = await database.db.select().from(consents).where(and(eq(consents.shopId, SHOP), eq(consents.granted, true)));
    expect(granted).toHaveLength(45);
    const [bad] = await database.db.select().from(importRejections).where(eq(importRejections.runId, resumed.runId));
    expect(bad).toMatchObject({ line: 92, reason: expect.stringMatching(/email/) });
  });

  it('imports products from NDJSON and events from NDJSON and CSV, refusing a broken line by number', async () => {
    const productsFile = file('products.ndjson', [
      JSON.stringify({ product_id: 'p-1', title: 'Mug', category: 'kitchen', price: '12.50', currency: 'eur', stock: 4, updated_at: '2025-01-01T00:00:00Z' }),
      JSON.stringify({ product_id: 'p-2', title: 'Kettle', price: 30, currency: 'EUR' }),
      '{"product_id": "p-3", "title": ',
    ]);
    expect(await importFile(deps, { shopId: SHOP, kind: 'products', file: productsFile })).toMatchObject({ accepted: 2, rejected: 1 });
    const [mug] = await database.db.select().from(products).where(and(eq(products.shopId, SHOP), eq(products.id, 'p-1')));
    expect(mug).toMatchObject({ priceMinor: 1250, currency: 'EUR', stock: 4 });
    const [broken] = await database.db.select().from(importRejections).where(and(eq(importRejections.line, 3), sql`${importRejections.reason} like 'not valid JSON%'`));
    expect(broken).toBeDefined();

    const eventsNdjson = file('events.ndjson', [
      JSON.stringify({ type: 'cart_updated', eventId: 'h-1', occurredAt: '2025-02-01T10:00:00Z', customer: { anonymousId: 'hist-1' }, cartId: 'hc-1', currency: 'EUR',
        items: [{ productId: 'p-1', quantity: 2, priceMinor: 1250 }] }),
      JSON.stringify({ type: 'product_viewed', eventId: 'h-2', occurredAt: '2025-02-01T10:01:00Z', customer: { anonymousId: 'hist-1' }, productId: 'p-2', dwellMs: 400_000 }),
    ]);
    expect(await importFile(deps, { shopId: SHOP, kind: 'events', file: eventsNdjson })).toMatchObject({ accepted: 2, rejected: 0 });
    const eventsCsv = file('events.csv', ['event_id,type,occurred_at,customer_id,anonymous_id,product_id,cart_id,quantity,price,currency,dwell_ms',
      'h-3,cart_item_added,2025-02-01T10:02:00Z,,hist-1,p-2,hc-1,1,30.00,EUR,', 'h-4,product_viewed,2025-02-01T10:03:00Z,,,p-2,,,,,']);
    expect(await importFile(deps, { shopId: SHOP, kind: 'events', file: eventsCsv })).toMatchObject({ accepted: 1, rejected: 1 });
    const [cart] = await database.db.select().from(carts).where(and(eq(carts.shopId, SHOP), eq(carts.id, 'hc-1')));
    expect(cart).toMatchObject({ valueMinor: 5500 });
    expect(await database.db.select().from(events).where(and(eq(events.shopId, SHOP), eq(events.sourceEventId, 'h-2')))).toHaveLength(1);
    // A long view and a cart in history: still no journey.
    expect(await database.rows(sql`select 1 from trigger_outbox where shop_id = ${SHOP}`)).toHaveLength(0);
  });
});
