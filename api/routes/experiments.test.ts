import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { shops } from '../../db/schema.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { createTestDatabase } from '../../test/db.ts';
import { buildApi } from '../app.ts';

describe('experiments and reports API', () => {
  let database: Database;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(shops).values([{ id: 'shop-1', name: 'One', currency: 'EUR' }, { id: 'shop-2', name: 'Two', currency: 'EUR' }]);
    keys.admin = await createApiKey(database.db, 'shop-1', ['admin']);
    keys.read = await createApiKey(database.db, 'shop-1', ['read']);
    keys.other = await createApiKey(database.db, 'shop-2', ['admin']);
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    app = buildApi({ config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 }, database, temporal,
      cipher: new PiiCipher('ab'.repeat(32)), logger: createLogger('silent'), metrics: createMetrics() });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });
  const call = (method: 'GET' | 'POST', url: string, key: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload: payload as object } : {}) });
  const definition = { name: 'engine-test', journeys: ['browse-abandon'], holdoutShare: 0.1,
    variants: [{ key: 'knn', weight: 1, changes: { engine: 'itemknn-cosine' } }, { key: 'pop', weight: 1, changes: { engine: 'popular' } }] };

  it('creates an experiment with an admin key only', async () => {
    expect((await call('POST', '/v1/experiments', keys.read!, definition)).statusCode).toBe(403);
    const created = await call('POST', '/v1/experiments', keys.admin!, definition);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'engine-test', status: 'running', holdoutShare: 0.1, journeys: ['browse-abandon'] });
  });

  it('names every wrong field, and refuses a clash with a running experiment', async () => {
    const bad = await call('POST', '/v1/experiments', keys.admin!, { name: 'Bad Name', variants: [{ key: 'holdout', weight: -1 }], holdoutShare: 0.9 });
    expect(bad.statusCode).toBe(422);
    expect((bad.json().errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['name', 'variants.0.weight', 'holdoutShare']));
    const clash = await call('POST', '/v1/experiments', keys.admin!, { ...definition, name: 'another' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().message).toMatch(/engine-test.*browse-abandon/);
  });

  it('lists, reads results and stops within the key\'s shop only', async () => {
    expect((await call('GET', '/v1/experiments', keys.read!)).json().experiments).toHaveLength(1);
    expect((await call('GET', '/v1/experiments', keys.other!)).json().experiments).toHaveLength(0);
    expect((await call('GET', '/v1/experiments/engine-test/results', keys.other!)).statusCode).toBe(404);
    const results = (await call('GET', '/v1/experiments/engine-test/results', keys.read!)).json();
    expect(results.arms.map((a: { variant: string; exposed: number }) => [a.variant, a.exposed])).toEqual([['knn', 0], ['pop', 0], ['holdout', 0]]);
    expect(results.advice).toMatchObject({ stop: false });
    expect((await call('POST', '/v1/experiments/engine-test/stop', keys.other!)).statusCode).toBe(404);
    expect((await call('POST', '/v1/experiments/engine-test/stop', keys.admin!)).json().status).toBe('stopped');
  });

  it('serves the overview report as rows or CSV, and refuses a broken period', async () => {
    const json = (await call('GET', '/v1/reports/overview?from=2026-01-01&to=2026-02-01', keys.read!)).json();
    expect(json.rows.find((r: { metric: string }) => r.metric === 'open rate')).toEqual({ metric: 'open rate', value: 'n/a', target: '> 25.00 %', status: '' });
    const csv = await call('GET', '/v1/reports/overview?format=csv', keys.read!);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\n')[0]).toBe('metric,value,target,status');
    expect(csv.body).toContain('sends,0,,');
    expect((await call('GET', '/v1/reports/overview?from=yesterday', keys.read!)).statusCode).toBe(400);
  });

  it('serves the dashboard page and the chart library without a key, and its data only with one', async () => {
    const page = await app.inject('/dashboard');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/dashboard/assets/chart.umd.min.js');
    const chart = await app.inject('/dashboard/assets/chart.umd.min.js');
    expect(chart.statusCode).toBe(200);
    expect(chart.body).toContain('Chart.js');
    expect((await app.inject('/dashboard/assets/..%2F..%2Fpackage.json')).statusCode).toBe(404);
    expect((await app.inject('/v1/dashboard/journeys')).statusCode).toBe(401);
  });
});
