import type { FastifyPluginAsync } from 'fastify';
import { canonicalEvent } from '../../ingest/canonical.ts';
import { guardIngest } from '../../ingest/guards.ts';
import { pipelineDeps } from '../../ingest/http.ts';
import { ingestEvents } from '../../ingest/pipeline.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { keepRejected } from '../rejections.ts';
import { fieldErrors } from '../validation.ts';

/**
 * The native event endpoint: canonical events as JSON, one per request. 202 once the event is stored
 * with its journey triggers queued (the outbox dispatcher starts or signals the journeys right after).
 */
export function eventsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    guardIngest(app, ctx);
    app.post('/v1/events', { preHandler: requireScope(ctx, 'ingest') }, async (request, reply) => {
      const shopId = request.principal!.shopId;
      const parsed = canonicalEvent.safeParse(request.body);
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error);
        await keepRejected(ctx, request, 'api', 422, errors);
        return reply.code(422).send({ error: 'invalid_event', errors });
      }
      const outcome = await ingestEvents(pipelineDeps(ctx), shopId, 'api', [parsed.data]);
      const [result] = outcome.results;
      if (!result?.ok) {
        const errors = [{ field: `(${parsed.data.type} ${parsed.data.eventId})`, message: outcome.failed[0]?.error ?? 'not stored' }];
        await keepRejected(ctx, request, 'api', 422, errors);
        return reply.code(422).send({ error: 'not_stored', errors });
      }
      if (result.effect.duplicate) return reply.code(200).send({ status: 'duplicate' });
      return reply.code(202).send({ status: 'accepted', customerId: result.effect.customerId, triggersQueued: outcome.triggersQueued });
    });
  };
}
