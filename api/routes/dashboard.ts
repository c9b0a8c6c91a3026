import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { customerList, customerView } from '../../dashboard/customer.ts';
import { journeyFunnels } from '../../dashboard/journeys.ts';
import { outboxMessage, outboxMessages } from '../../dashboard/outbox.ts';
import { overview } from '../../dashboard/overview.ts';
import { parsePeriod } from '../../dashboard/period.ts';
import { experimentResults } from '../../experiments/results.ts';
import { listExperiments } from '../../experiments/store.ts';
import type { Config } from '../../lib/config.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), '../../dashboard/public');
// chart.js exports no path to its browser build; find it beside the entry it does export.
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js/auto')), '../dist/chart.umd.min.js');
const ASSETS: Record<string, { file: string; type: string }> = {
  'app.js': { file: join(PUBLIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: join(PUBLIC, 'app.css'), type: 'text/css; charset=utf-8' },
  'chart.umd.min.js': { file: CHART_JS, type: 'text/javascript; charset=utf-8' },
};

type Page = { limit?: string; offset?: string };
const page = (q: Page) => ({ limit: Math.min(Math.max(Number(q.limit) || 50, 1), 100), offset: Math.max(Number(q.offset) || 0, 0) });

/**
 * The dashboard: a static page (which holds no data and needs no key) and the JSON it loads with the
 * shop's API key, so the page shows exactly what the key's shop may see. Everything is aggregated in
 * SQL and lists are paged.
 */
export function dashboardRoutes(ctx: ApiContext): FastifyPluginAsync {
  // The full configuration is passed at run time; tests may pass only what the API needs.
  const config = ctx.config as Partial<Pick<Config, 'outboxDir' | 'TEMPORAL_UI_PORT' | 'TEMPORAL_NAMESPACE'>>;
  const temporalUi = `http://127.0.0.1:${config.TEMPORAL_UI_PORT ?? 8233}/namespaces/${config.TEMPORAL_NAMESPACE ?? 'default'}/workflows/`;
  return async (app) => {
    app.get('/dashboard', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(join(PUBLIC, 'index.html'))));
    app.get<{ Params: { asset: string } }>('/dashboard/assets/:asset', async (request, reply) => {
      const asset = Object.hasOwn(ASSETS, request.params.asset) ? ASSETS[request.params.asset] : undefined;
      if (!asset) return reply.code(404).send({ error: 'not_found', message: `no asset ${request.params.asset}` });
      return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(await readFile(asset.file));
    });

    const read = { preHandler: requireScope(ctx, 'read') };
    app.get<{ Querystring: { from?: string; to?: string } }>('/v1/dashboard/overview', read, async (request) =>
      overview(ctx.database, request.principal!.shopId, parsePeriod(request.query)));
    app.get<{ Querystring: { from?: string; to?: string } }>('/v1/dashboard/journeys', read, async (request) =>
      ({ journeys: await journeyFunnels(ctx.database, request.principal!.shopId, parsePeriod(request.query)) }));
    app.get('/v1/dashboard/experiments', read, async (request) => {
      const experiments = await listExperiments(ctx.database.db, request.principal!.shopId);
      return { experiments: await Promise.all(experiments.slice(0, 20).map((e) => experimentResults(ctx.database, e))) };
    });
    app.get<{ Querystring: Page & { q?: string } }>('/v1/dashboard/customers', read, async (request) =>
      ({ customers: await customerList(ctx.database, request.principal!.shopId, { ...page(request.query), ...(request.query.q ? { q: request.query.q } : {}) }) }));
    app.get<{ Params: { id: string } }>('/v1/dashboard/customers/:id', read, async (request, reply) => {
      const view = await customerView(ctx.database, request.principal!.shopId, request.params.id);
      if (!view) return reply.code(404).send({ error: 'not_found', message: `no customer ${request.params.id} in this shop` });
      return { ...view, temporalUi };
    });
    app.get<{ Querystring: Page }>('/v1/dashboard/outbox', read, async (request) =>
      ({ messages: await outboxMessages(ctx.database, request.principal!.shopId, page(request.query)) }));
    app.get<{ Params: { id: string } }>('/v1/dashboard/outbox/:id', read, async (request, reply) => {
      const message = config.outboxDir ? await outboxMessage(ctx.database, config.outboxDir, request.principal!.shopId, request.params.id) : null;
      return message ?? reply.code(404).send({ error: 'not_found', message: `no outbox message ${request.params.id} in this shop` });
    });
  };
}
