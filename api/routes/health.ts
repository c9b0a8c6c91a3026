import { sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.ts';

/** /healthz: the process is up. /readyz: it can reach Postgres and Temporal, so it can take traffic. */
export function healthRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await ctx.database.rows(sql`select 1`);
        checks.database = 'ok';
      } catch (error) {
        checks.database = (error as Error).message;
      }
      try {
        // A readiness probe must answer quickly even when Temporal hangs.
        await ctx.temporal.connection.withDeadline(Date.now() + 2000, () => ctx.temporal.workflowService.getSystemInfo({}));
        checks.temporal = 'ok';
      } catch (error) {
        checks.temporal = (error as Error).message;
      }
      const ready = Object.values(checks).every((c) => c === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  };
}
