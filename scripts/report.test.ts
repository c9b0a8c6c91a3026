import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../db/client.ts';
import { seedDashboardShop, type DashboardFixture } from '../dashboard/fixture.ts';

const run = promisify(execFile);

// `npm run report` on an embedded database seeded with a month of journeys: the same overview as the
// dashboard, as a table and as CSV.
describe('report CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nextbest-report-'));
  let fx: DashboardFixture;
  beforeAll(async () => {
    const database = createDatabase({ dataDir: join(dataDir, 'pglite') });
    await database.migrate();
    fx = await seedDashboardShop(database, { shopId: 'shop-report', outboxDir: join(dataDir, 'outbox') });
    await database.close();
  }, 120_000);

  const env = () => {
    const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _t, ...rest } = process.env;
    return { ...rest, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  };
  const report = (...args: string[]) => run('npx', ['tsx', 'scripts/report.ts', ...args], { env: env(), cwd: process.cwd() });

  it('prints the overview table and writes the same rows as CSV', async () => {
    const csvPath = join(dataDir, 'overview.csv');
    const { stdout } = await report('shop-report', '--csv', csvPath);
    expect(stdout).toMatch(new RegExp(`^sends\\s+${fx.sends}\\s*$`, 'm'));
    const openRate = `${((fx.opened / fx.delivered) * 100).toFixed(2)} %`;
    expect(stdout).toMatch(new RegExp(`^open rate\\s+${openRate}\\s+> 25.00 %\\s+(met|below)`, 'm'));
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('metric,value,target,status');
    expect(csv).toContain(`sends,${fx.sends},,`);
    expect(csv).toContain(`conversion of traffic,${((fx.convertedCustomers.length / fx.traffic) * 100).toFixed(2)} %,> 1.20 %,met`);
  }, 60_000);

  it('says what is wrong with an unknown shop or a broken date', async () => {
    await expect(report('no-such-shop')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no shop "no-such-shop"') });
    await expect(report('shop-report', '--from', 'soon')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('"from" must be an ISO date') });
  }, 60_000);
});
