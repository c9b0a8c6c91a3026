import type { FastifyPluginAsync } from 'fastify';
import { guardIngest } from '../../ingest/guards.ts';
import { storeAdapted, verifiedShop } from '../../ingest/http.ts';
import { headerValue } from '../../ingest/webhook-replay.ts';
import { wooToCanonical } from '../../ingest/woocommerce.ts';
import type { ApiContext } from '../context.ts';
import { oncePerDelivery, rememberDeliveries } from './webhook-delivery.ts';

/**
 * WooCommerce webhooks for one shop, verified with X-WC-Webhook-Signature over the raw body; a delivery
 * whose X-WC-Webhook-Delivery-ID was processed before is acknowledged without processing it again.
 */
export function wooRoutes(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    guardIngest(app, ctx);
    rememberDeliveries(app, ctx);
    // WooCommerce pings a new webhook with a form body (webhook_id=N) before the first delivery.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
      request.rawBody = body as string;
      done(null, body);
    });
    app.post<{ Params: { shopId: string } }>('/v1/webhooks/woocommerce/:shopId', async (request, reply) => {
      if (typeof request.body === 'string' && /^webhook_id=\d+$/.test(request.body.trim())) return reply.code(200).send({ status: 'ping' });
      const shop = await verifiedShop(ctx, request, reply, 'woocommerce', 'x-wc-webhook-signature');
      if (!shop) return reply;
      const deliveryId = headerValue(request.headers, 'x-wc-webhook-delivery-id');
      return oncePerDelivery(ctx, request, reply, { source: 'woocommerce', shopId: shop.shopId, deliveryId, header: 'X-WC-Webhook-Delivery-ID' }, () => {
        const topic = request.headers['x-wc-webhook-topic'];
        return storeAdapted(ctx, request, reply, shop.shopId, 'woocommerce', wooToCanonical(typeof topic === 'string' ? topic : '(missing)', request.body, { shopCurrency: shop.currency }));
      });
    });
  };
}
