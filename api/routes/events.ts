import type { FastifyPluginAsync } from 'fastify';
import { canonicalEvent } from '../../ingest/canonical.ts';
import { applyEvent } from '../../ingest/entry.ts';
import { routeEvent } from '../../journeys/router.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { keepRejected } from '../rejections.ts';
import { fieldErrors } from '../validation.ts';

/** The native event endpoint: canonical events as JSON, one per request. */
export function eventsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/v1/events', { preHandler: requireScope(ctx, 'ingest') }, async (request, reply) => {
      const shopId = request.principal!.shopId;
      const parsed = canonicalEvent.safeParse(request.body);
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error);
        await keepRejected(ctx, request, 'api', 422, errors);
        return reply.code(422).send({ error: 'invalid_event', errors });
      }
      const effect = await applyEvent(ctx, shopId, 'api', parsed.data);
      if (effect.duplicate) return reply.code(200).send({ status: 'duplicate' });
      ctx.metrics.eventsIngested.inc({ source: 'api', type: parsed.data.type });
      const journeys = await routeEvent(
        { temporal: ctx.temporal, database: ctx.database, taskQueue: ctx.config.TEMPORAL_TASK_QUEUE, timeScale: ctx.config.JOURNEY_TIME_SCALE, logger: ctx.logger, metrics: ctx.metrics },
        shopId,
        'api',
        effect,
      );
      return reply.code(202).send({ status: 'accepted', customerId: effect.customerId, journeys });
    });
  };
}
