import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.ts';

/**
 * Prometheus exposition: the app's counters, followed by the Temporal SDK's worker metrics when a
 * worker runs in this process (the SDK serves those on its own port; we append them here so one
 * scrape target has everything).
 */
export function metricsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => {
      let body = await ctx.metrics.registry.metrics();
      if (ctx.temporalMetricsUrl) {
        try {
          const response = await fetch(ctx.temporalMetricsUrl, { signal: AbortSignal.timeout(2000) });
          if (response.ok) body += `\n${await response.text()}`;
        } catch {
          // The worker's exporter may be starting or stopped; the app's own metrics still answer.
        }
      }
      return reply.type(ctx.metrics.registry.contentType).send(body);
    });
  };
}
