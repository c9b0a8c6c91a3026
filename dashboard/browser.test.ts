import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../api/app.ts';
import type { Database } from '../db/client.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedDashboardShop, type DashboardFixture } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'data', 'screenshots');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser tests skipped: ${CHROMIUM} is missing (install it with: apt-get update && apt-get install -y chromium)`);

// The dashboard in a real headless Chromium against the real API and a seeded shop: each page loads,
// shows the numbers the fixture wrote, never another shop's, and leaves a screenshot for review.
describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  let database: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let fx: DashboardFixture;
  let otherKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const outboxDir = mkdtempSync(join(tmpdir(), 'nextbest-dash-outbox-'));
    fx = await seedDashboardShop(database, { shopId: 'shop-dash', outboxDir });
    // A second shop with more of everything: none of it may show up in the first shop's pages.
    await seedDashboardShop(database, { shopId: 'shop-other', outboxDir, journeys: 60, extraVisitors: 30 });
    const key = await createApiKey(database.db, 'shop-dash', ['read']);
    otherKey = await createApiKey(database.db, 'shop-other', ['read']);
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const config = { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464, outboxDir, TEMPORAL_UI_PORT: 8233, TEMPORAL_NAMESPACE: 'default' };
    app = buildApi({ config, database, temporal, cipher: new PiiCipher('ab'.repeat(32)), logger: createLogger('silent'), metrics: createMetrics() });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => {
      throw error;
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.goto(`${base}/dashboard#key=${encodeURIComponent(key)}`);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
  });

  async function open(hash: string, ready: string) {
    await page.evaluate((h) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = h;
    }, hash);
    await page.waitForSelector(`body[data-ready="${ready}"]`, { timeout: 15_000 });
  }
  const metric = async (name: string) => Number(await page.getAttribute(`[data-metric="${name}"]`, 'data-value'));
  const text = (selector: string) => page.locator(selector).innerText();

  it('asks for a key when it has none, and refuses a wrong one', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${base}/dashboard`);
    await fresh.waitForSelector('body[data-ready="login"]');
    await fresh.fill('#key', 'nb_wrong');
    await fresh.click('#login button');
    await fresh.waitForSelector('#login-error:has-text("valid API key")');
    await fresh.close();
  });

  it('overview: every number the database holds, with its target', async () => {
    await open('overview', 'overview');
    expect(await metric('sends')).toBe(fx.sends);
    expect(await metric('deliveryRate')).toBeCloseTo(fx.delivered / fx.sends, 9);
    expect(await metric('openRate')).toBeCloseTo(fx.opened / fx.delivered, 9);
    expect(await metric('clickThroughRate')).toBeCloseTo(fx.clicked / fx.delivered, 9);
    expect(await metric('conversionOfRecipients')).toBeCloseTo(fx.convertedCustomers.length / fx.recipients, 9);
    expect(await metric('conversionOfTraffic')).toBeCloseTo(fx.convertedCustomers.length / fx.traffic, 9);
    expect(await metric('revenuePerRecipientMinor')).toBeCloseTo(fx.revenueMinor / fx.recipients, 9);
    expect(await metric('discountPerRecoveredCartMinor')).toBeCloseTo(fx.recoveredDiscountMinor / fx.recoveredCarts, 9);
    expect(await text('[data-target="openRate"]')).toContain('25.0 %');
    expect(await text('[data-target="clickThroughRate"]')).toContain('3.5 %');
    expect(await text('[data-target="conversionOfTraffic"]')).toContain('1.2 %');
    expect(await page.locator('canvas').count()).toBe(5);
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
  });

  it('journeys: the funnel and the skip reasons', async () => {
    await open('journeys', 'journeys');
    const row = '[data-journey="cart-abandon"]';
    const stage = async (s: string) => Number(await text(`${row} [data-stage="${s}"]`));
    expect(await stage('triggered')).toBe(36);
    expect(await stage('decided')).toBe(36);
    expect(await stage('sent')).toBe(fx.sends);
    expect(await stage('opened')).toBe(fx.opened);
    expect(await stage('clicked')).toBe(fx.clicked);
    expect(await stage('converted')).toBe(fx.convertedCustomers.length);
    for (const [reason, count] of Object.entries(fx.skips)) expect(await text(`${row} [data-skip="${reason}"]`)).toBe(`${reason}: ${count}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'journeys.png'), fullPage: true });
  });

  it('experiments: arms side by side with posteriors and the lift over the holdout', async () => {
    await open('experiments', 'experiments');
    for (const [arm, counts] of Object.entries(fx.arms)) {
      const row = `[data-experiment="copy-test"] [data-arm="${arm}"]`;
      expect(Number(await text(`${row} [data-col="exposed"]`))).toBe(counts.exposed);
      expect(Number(await text(`${row} [data-col="converted"]`))).toBe(counts.converted);
      expect(await text(`${row} [data-col="lift"]`)).toMatch(arm === 'holdout' ? /—/ : /p=/);
    }
    expect(await page.locator('[data-experiment="copy-test"] canvas').count()).toBe(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'experiments.png'), fullPage: true });
  });

  it('customer: stage, channels, heatmap, recommendations, history and Temporal links', async () => {
    await open('customers', 'customers');
    await page.screenshot({ path: join(SCREENSHOTS, 'customers.png'), fullPage: true });
    await open(`customers?id=${fx.sample.customerId}`, 'customer');
    expect(await page.getAttribute('[data-stage]', 'data-stage')).toBe(fx.sample.stage);
    expect(Number(await text('[data-channel="email"] [data-col="sent"]'))).toBe(1);
    expect(Number(await text('[data-channel="email"] [data-col="engaged"]'))).toBe(1);
    // The fixture's conversion went through recordOutcome into the model: its posterior is shown.
    expect(await text('[data-channel="email"] [data-col="model"]')).toMatch(/^\d+\.\d %/);
    expect(await page.locator('.heat td').count()).toBe(7 * 24);
    expect(await text('[data-product="p-kettle"]')).toContain('Gooseneck kettle');
    for (const kind of ['sent', 'opened', 'clicked', 'converted']) expect(await page.locator(`[data-history="${kind}"]`).count()).toBeGreaterThan(0);
    expect(await page.getAttribute(`[data-workflow="${fx.sample.workflowId}"]`, 'href')).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(fx.sample.workflowId)}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'customer.png'), fullPage: true });
  });

  it('outbox: the rendered messages', async () => {
    await open('outbox', 'outbox');
    expect(await page.locator('[data-dispatch]').count()).toBe(fx.outboxDispatches.length);
    const first = await page.getAttribute('[data-dispatch]', 'data-dispatch');
    await expect.poll(() => page.frameLocator('#message').locator('body').innerText()).toContain(`message ${first}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'outbox.png'), fullPage: true });
  });

  it('never shows one shop another shop\'s data', async () => {
    const asOther = await app.inject({ url: `/v1/dashboard/customers/${fx.sample.customerId}`, headers: { authorization: `Bearer ${otherKey}` } });
    expect(asOther.statusCode).toBe(404);
    const outbox = await app.inject({ url: `/v1/dashboard/outbox/${fx.outboxDispatches[0]}`, headers: { authorization: `Bearer ${otherKey}` } });
    expect(outbox.statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/dashboard/overview' })).statusCode).toBe(401);
  });
});
