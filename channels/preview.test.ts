import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { customers } from '../db/schema.ts';
import { applyEvent } from '../ingest/entry.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { LinkSigner } from './links.ts';
import { customerInput, writePreview } from './preview.ts';

const run = promisify(execFile);

describe('preview', () => {
  let database: Database;
  const cipher = new PiiCipher(TEST_PII_KEY);
  const dir = mkdtempSync(join(tmpdir(), 'preview-test-'));
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it("renders a template for a real customer from their locale and open cart", async () => {
    const shopId = await seedShop(database, 'shop-preview');
    const customerId = await seedCustomer({ database, cipher }, shopId, { userId: 'preview-1', locale: 'de-DE', timezone: 'Europe/Berlin' });
    await applyEvent({ database, cipher }, shopId, 'api', {
      type: 'cart_updated', eventId: 'preview-cart', occurredAt: new Date().toISOString(), customer: { userId: 'preview-1' }, cartId: 'c-1', currency: 'EUR',
      items: [{ productId: 'p-kettle', quantity: 2, priceMinor: 5900 }, { productId: 'p-gone', quantity: 1, priceMinor: 3900 }],
    });
    const links = new LinkSigner('preview-test-secret-0123456789abcdef', 'https://nb.example');
    const input = await customerInput(database.db, shopId, customerId, [], { contentType: 'cart_reminder', channel: 'email', links, signingSecret: 'x'.repeat(32), discountPercent: 10 });
    const { files } = await writePreview(input, join(dir, 'cart'));
    expect(files).toEqual([join(dir, 'cart.html'), join(dir, 'cart.txt')]);
    const text = readFileSync(join(dir, 'cart.txt'), 'utf8');
    expect(text).toContain('Gooseneck kettle: 59,00\u00a0€ x 2 (Only 4 left)');
    expect(text).not.toContain('Sold-out teapot');
    expect(text).toMatch(/Use code SAVE10-[2-9A-Z]{8} for 10% off/);
    await database.db.update(customers).set({ locale: null }).where(eq(customers.id, customerId));
    await expect(customerInput(database.db, shopId, 'cus_missing', [], { contentType: 'cart_reminder', channel: 'email', links, signingSecret: 'x' })).rejects.toThrow(/no customer "cus_missing"/);
  });

  it('works from the command line with the sample shop, and refuses an unknown template', async () => {
    const out = join(dir, 'cli-sms');
    const { stdout } = await run('npx', ['tsx', 'scripts/preview.ts', '--content', 'clearance', '--style', 'urgent', '--channel', 'sms', '--out', out], { cwd: join(import.meta.dirname, '..') });
    expect(stdout).toContain(`wrote ${out}.txt`);
    expect(readFileSync(`${out}.txt`, 'utf8')).toMatch(/^Sample Shop: final stock of Stoneware mug\. https?:\/\/.+\/l\/c\?t=\S+\nReply STOP to opt out\.$/);
    const refused = await run('npx', ['tsx', 'scripts/preview.ts', '--content', 'nope'], { cwd: join(import.meta.dirname, '..') }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('--content must be one of') });
  });
});
