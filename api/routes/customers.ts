import type { FastifyPluginAsync } from 'fastify';
import { explainFromDb } from '../../learning/explain.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';

/** Per-customer views. A key only ever sees customers of its own shop. */
export function customerRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { customerId: string } }>('/v1/customers/:customerId/explain', { preHandler: requireScope(ctx, 'read') }, async (request, reply) => {
      const view = await explainFromDb(ctx.database.db, request.params.customerId, new Date(), request.principal!.shopId);
      if (!view) return reply.code(404).send({ error: 'not_found', message: `no customer ${request.params.customerId} in this shop` });
      return view;
    });
  };
}
