import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../db/client.ts';
import { seedDashboardShop } from '../dashboard/fixture.ts';

const run = promisify(execFile);

// `npm run experiments` on an embedded database: create from a JSON file, list, results and stop.
describe('experiments CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nextbest-experiments-'));
  beforeAll(async () => {
    const database = createDatabase({ dataDir: join(dataDir, 'pglite') });
    await database.migrate();
    // The fixture's own "copy-test" runs on cart-abandon, with exposures and conversions.
    await seedDashboardShop(database, { shopId: 'shop-cli', outboxDir: join(dataDir, 'outbox') });
    await database.close();
  }, 120_000);

  const env = () => {
    const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _t, ...rest } = process.env;
    return { ...rest, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  };
  const cli = (...args: string[]) => run('npx', ['tsx', 'scripts/experiments.ts', ...args], { env: env(), cwd: process.cwd() });

  it('creates from a file, lists, shows results and stops', async () => {
    const file = join(dataDir, 'engine.json');
    writeFileSync(file, JSON.stringify({ name: 'engine-test', journeys: ['browse-abandon'], variants: [{ key: 'knn', weight: 2, changes: { engine: 'itemknn-cosine' } }, { key: 'pop', weight: 1 }] }));
    expect((await cli('create', 'shop-cli', file)).stdout).toMatch(/created experiment exp_\w+ "engine-test", running/);
    const list = (await cli('list', 'shop-cli')).stdout;
    expect(list).toMatch(/engine-test\trunning\tbrowse-abandon\tholdout 0%\tknn×2 pop×1/);
    expect(list).toMatch(/copy-test\trunning\tcart-abandon/);
    const results = (await cli('results', 'shop-cli', 'copy-test')).stdout;
    expect(results).toMatch(/^friendly\t18\t15\t/m);
    expect(results).toMatch(/^holdout\t3\t0\t/m);
    expect(results).toMatch(/keep running: waiting for 200 customers/);
    expect((await cli('stop', 'shop-cli', 'engine-test')).stdout).toMatch(/stopped exp_\w+ "engine-test"/);
  }, 90_000);

  it('names what is wrong in a definition', async () => {
    const file = join(dataDir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'x', variants: [], holdoutShare: 2 }));
    await expect(cli('create', 'shop-cli', file)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/variants: .*holdoutShare: /) });
  }, 60_000);
});
