import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { RecsService } from '../recs-store/service.ts';
import { createTestShop } from '../recs-store/test-shop.ts';
import { createTestDatabase } from '../test/db.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { createChooseContent } from './content.ts';
import type { ActivityDeps } from './deps.ts';

let database: Database;
let chooseContent: ReturnType<typeof createChooseContent>;
const products: [string, string, number][] = [['tent', 'camping', 4], ['pegs', 'camping', 40], ['lamp', 'lights', 6]];

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('silent');
  const deps: ActivityDeps = { database, logger, metrics: createMetrics(), cipher: new PiiCipher(TEST_PII_KEY), outboxDir: '/nonexistent', timeScale: 1 };
  chooseContent = createChooseContent(deps, new RecsService({ database, logger }));
  const busy = await createTestShop(database, 'shop-busy', products);
  for (let u = 0; u < 6; u++) await busy.order(`u${u}`, `o${u}`, ['tent', 'lamp'], new Date(Date.now() - (u + 1) * 3_600_000));
  await createTestShop(database, 'shop-new', products);
});
afterAll(async () => database?.close());

describe('chooseContent', () => {
  it('takes the products from the recommender when it has signals', async () => {
    const choice = await chooseContent({ shopId: 'shop-busy', customerId: 'cus_a', journey: 'cross-sell', productIds: ['tent'] });
    expect(choice.source).toMatch(/^recs:bought-together/);
    expect(choice.productIds[0]).toBe('lamp');
    expect(choice.productIds).not.toContain('tent');
  });

  it('falls back to the SQL rules in a shop with no signals yet', async () => {
    const choice = await chooseContent({ shopId: 'shop-new', customerId: 'cus_b', journey: 'browse-abandon', productIds: ['tent'] });
    expect(choice).toEqual({ productIds: ['tent', 'pegs'], source: 'viewed+category-best-sellers', delayMs: null });
  });

  it('leads a cart reminder with the cart and follows it with what is bought together', async () => {
    const choice = await chooseContent({ shopId: 'shop-busy', customerId: 'cus_c', journey: 'cart-abandon', productIds: ['tent'], limit: 4 });
    expect(choice.source).toMatch(/^recs:/);
    expect(choice.productIds[0]).toBe('tent');
    expect(choice.productIds[1]).toBe('lamp');
    const fresh = await chooseContent({ shopId: 'shop-new', customerId: 'cus_d', journey: 'cart-abandon', productIds: ['tent'] });
    expect(fresh).toEqual({ productIds: ['tent'], source: 'trigger', delayMs: null });
  });
});
