// npm run bench:dashboard — how long the dashboard's data takes to load for a shop with thousands of
// journeys, on real Postgres: each endpoint the pages call, through the HTTP API, median of 7 runs.
// Needs a Postgres server: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a fresh
// database is created for the run and dropped afterwards.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { buildApi } from '../api/app.ts';
import { seedDashboardShop } from '../dashboard/fixture.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';

const { values } = parseArgs({ options: { journeys: { type: 'string', default: '5000' } } });
const JOURNEYS = Number(values.journeys);
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';

const database = await createTestDatabase('postgres');
try {
  const outboxDir = mkdtempSync(join(tmpdir(), 'nextbest-bench-outbox-'));
  const seedStart = performance.now();
  const fx = await seedDashboardShop(database, { shopId: 'bench-shop', outboxDir, journeys: JOURNEYS, extraVisitors: JOURNEYS });
  console.log(`seeded ${JOURNEYS} journeys (${fx.sends} sends, ${fx.traffic} visitors) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const key = await createApiKey(database.db, 'bench-shop', ['read']);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
  const app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464, outboxDir } as never, database, temporal,
    cipher: new PiiCipher('ab'.repeat(32)), logger: createLogger('silent'), metrics: createMetrics() });
  await app.ready();
  const urls = ['/v1/dashboard/overview', '/v1/dashboard/journeys', '/v1/dashboard/experiments', '/v1/dashboard/customers?limit=50',
    `/v1/dashboard/customers/${fx.sample.customerId}`, '/v1/dashboard/outbox?limit=50', '/v1/reports/overview'];
  console.log('endpoint'.padEnd(52), 'median ms', 'max ms');
  for (const url of urls) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      const response = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(url.padEnd(52), times[3]!.toFixed(1).padStart(9), times[6]!.toFixed(1).padStart(6));
  }
  await app.close();
} finally {
  await database.close();
}
