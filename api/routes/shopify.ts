import type { FastifyPluginAsync } from 'fastify';
import { guardIngest } from '../../ingest/guards.ts';
import { storeAdapted, verifiedShop } from '../../ingest/http.ts';
import { shopifyToCanonical } from '../../ingest/shopify.ts';
import type { ApiContext } from '../context.ts';

/** Shopify webhooks for one shop, verified with X-Shopify-Hmac-Sha256 over the raw body. */
export function shopifyRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    guardIngest(app, ctx);
    app.post<{ Params: { shopId: string } }>('/v1/webhooks/shopify/:shopId', async (request, reply) => {
      const shop = await verifiedShop(ctx, request, reply, 'shopify', 'x-shopify-hmac-sha256');
      if (!shop) return reply;
      const topic = request.headers['x-shopify-topic'];
      return storeAdapted(ctx, request, reply, shop.shopId, 'shopify', shopifyToCanonical(typeof topic === 'string' ? topic : '(missing)', request.body, { shopCurrency: shop.currency }));
    });
  };
}
