import type { FastifyPluginAsync } from 'fastify';
import { guardIngest } from '../../ingest/guards.ts';
import { refuse, storeAdapted, verifiedShop } from '../../ingest/http.ts';
import { shopifyToCanonical } from '../../ingest/shopify.ts';
import { headerValue, shopifyStaleness } from '../../ingest/webhook-replay.ts';
import type { ApiContext } from '../context.ts';
import { oncePerDelivery, rememberDeliveries } from './webhook-delivery.ts';

/**
 * Shopify webhooks for one shop, verified with X-Shopify-Hmac-Sha256 over the raw body; a delivery
 * triggered more than 24 hours ago (X-Shopify-Triggered-At) is refused, and one whose
 * X-Shopify-Webhook-Id was processed before is acknowledged without processing it again.
 */
export function shopifyRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    guardIngest(app, ctx);
    rememberDeliveries(app, ctx);
    app.post<{ Params: { shopId: string } }>('/v1/webhooks/shopify/:shopId', async (request, reply) => {
      const shop = await verifiedShop(ctx, request, reply, 'shopify', 'x-shopify-hmac-sha256');
      if (!shop) return reply;
      const stale = shopifyStaleness(headerValue(request.headers, 'x-shopify-triggered-at'));
      if (stale) return refuse(ctx, request, reply, 'shopify', 401, stale.code, { message: stale.message });
      const webhookId = headerValue(request.headers, 'x-shopify-webhook-id');
      return oncePerDelivery(ctx, request, reply, { source: 'shopify', shopId: shop.shopId, deliveryId: webhookId, header: 'X-Shopify-Webhook-Id' }, () => {
        const topic = request.headers['x-shopify-topic'];
        return storeAdapted(ctx, request, reply, shop.shopId, 'shopify', shopifyToCanonical(typeof topic === 'string' ? topic : '(missing)', request.body, { shopCurrency: shop.currency }));
      });
    });
  };
}
