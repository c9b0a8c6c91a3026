import type { FastifyPluginAsync } from 'fastify';
import { overview } from '../../dashboard/overview.ts';
import { parsePeriod } from '../../dashboard/period.ts';
import { overviewReport, toCsv } from '../../dashboard/report.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';

/** The overview report of `npm run report`, as JSON rows or CSV (`?format=csv`). */
export function reportsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { from?: string; to?: string; format?: string } }>('/v1/reports/overview', { preHandler: requireScope(ctx, 'read') }, async (request, reply) => {
      const data = await overview(ctx.database, request.principal!.shopId, parsePeriod(request.query));
      const rows = overviewReport(data);
      if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="overview.csv"').send(toCsv(rows));
      return { from: data.from, to: data.to, rows };
    });
  };
}
