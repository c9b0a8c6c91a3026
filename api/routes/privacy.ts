import type { FastifyPluginAsync } from 'fastify';
import { collectCustomerData, findCustomer } from '../../privacy/customer-data.ts';
import { eraseCustomer } from '../../privacy/erase.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';

type Params = { Params: { customerId: string }; Querystring: { email?: string } };

/**
 * Data-subject requests, admin keys only: export everything held about a customer, or erase it.
 * A customer is named by key (`/v1/privacy/customers/cus_…`) or by e-mail (`/v1/privacy/customers/by-email?email=`).
 */
export function privacyRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const admin = { preHandler: requireScope(ctx, 'admin') };
    const customerOf = (request: { principal?: { shopId: string }; params: { customerId: string }; query: { email?: string } }) =>
      findCustomer(ctx.database.db, ctx.cipher, request.principal!.shopId,
        request.params.customerId === 'by-email' ? { email: request.query.email ?? '' } : { customerId: request.params.customerId });
    const notFound = { error: 'not_found', message: 'this shop has no such customer' };

    app.get<Params>('/v1/privacy/customers/:customerId', admin, async (request, reply) => {
      const customerId = await customerOf(request);
      if (!customerId) return reply.code(404).send(notFound);
      return { customerId, data: await collectCustomerData(ctx.database.db, ctx.cipher, request.principal!.shopId, customerId) };
    });

    app.delete<Params>('/v1/privacy/customers/:customerId', admin, async (request, reply) => {
      const customerId = await customerOf(request);
      if (!customerId) return reply.code(404).send(notFound);
      const result = await eraseCustomer({ database: ctx.database, cipher: ctx.cipher, temporal: ctx.temporal }, request.principal!.shopId, customerId);
      ctx.logger.info({ shopId: request.principal!.shopId, customerId, journeysCancelled: result.journeysCancelled.length }, 'customer erased on request');
      return result;
    });
  };
}
