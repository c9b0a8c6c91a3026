import type { FastifyPluginAsync } from 'fastify';
import { experimentDefinition } from '../../experiments/definition.ts';
import { experimentResults } from '../../experiments/results.ts';
import { createExperiment, ExperimentConflictError, findExperiment, listExperiments, stopExperiment } from '../../experiments/store.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { fieldErrors } from '../validation.ts';

/** Experiments of the key's shop: create and stop (admin), list and read results (read). */
export function experimentsRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const { db } = ctx.database;
    app.post('/v1/experiments', { preHandler: requireScope(ctx, 'admin') }, async (request, reply) => {
      const parsed = experimentDefinition.safeParse(request.body);
      if (!parsed.success) return reply.code(422).send({ error: 'invalid_experiment', errors: fieldErrors(parsed.error) });
      try {
        return reply.code(201).send(await createExperiment(db, request.principal!.shopId, parsed.data));
      } catch (error) {
        if (error instanceof ExperimentConflictError) return reply.code(409).send({ error: 'conflict', message: error.message });
        throw error;
      }
    });
    app.get('/v1/experiments', { preHandler: requireScope(ctx, 'read') }, async (request) => ({ experiments: await listExperiments(db, request.principal!.shopId) }));
    app.get<{ Params: { id: string } }>('/v1/experiments/:id', { preHandler: requireScope(ctx, 'read') }, async (request, reply) => {
      const found = await findExperiment(db, request.principal!.shopId, request.params.id);
      return found ? found : reply.code(404).send({ error: 'not_found', message: `no experiment "${request.params.id}" in this shop` });
    });
    app.get<{ Params: { id: string } }>('/v1/experiments/:id/results', { preHandler: requireScope(ctx, 'read') }, async (request, reply) => {
      const found = await findExperiment(db, request.principal!.shopId, request.params.id);
      return found ? experimentResults(ctx.database, found) : reply.code(404).send({ error: 'not_found', message: `no experiment "${request.params.id}" in this shop` });
    });
    app.post<{ Params: { id: string } }>('/v1/experiments/:id/stop', { preHandler: requireScope(ctx, 'admin') }, async (request, reply) => {
      const stopped = await stopExperiment(db, request.principal!.shopId, request.params.id);
      return stopped ? stopped : reply.code(404).send({ error: 'not_found', message: `no experiment "${request.params.id}" in this shop` });
    });
  };
}
