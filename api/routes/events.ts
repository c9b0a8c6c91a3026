import type { FastifyPluginAsync } from 'fastify';
import { canonicalEvent } from '../../ingest/canonical.ts';
import { ingestEvents } from '../../ingest/pipeline.ts';
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
      const journeys = { temporal: ctx.temporal, database: ctx.database, taskQueue: ctx.config.TEMPORAL_TASK_QUEUE, timeScale: ctx.config.JOURNEY_TIME_SCALE, logger: ctx.logger, metrics: ctx.metrics };
      const outcome = await ingestEvents({ ...ctx, journeys }, shopId, 'api', [parsed.data]);
      const [result] = outcome.results;
      if (!result?.ok) throw new Error(`the event could not be stored: ${outcome.failed[0]?.error ?? 'unknown error'}`);
      if (result.effect.duplicate) return reply.code(200).send({ status: 'duplicate' });
      return reply.code(202).send({ status: 'accepted', customerId: result.effect.customerId, journeys: outcome.journeys });
    });
  };
}
