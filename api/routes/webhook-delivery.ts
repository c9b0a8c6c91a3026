import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deliverySeen, recordDelivery } from '../../ingest/webhook-replay.ts';
import type { ApiContext } from '../context.ts';
import { acknowledgeReplay } from '../rejections.ts';

const MAX_KEY = 200;
type Delivery = { source: string; key: string; shopId: string | null };
const pending = new WeakMap<FastifyRequest, Delivery>();

/**
 * Remembers the delivery ids of the webhook routes in this plugin once their answer is final and
 * before it is sent (so the sender cannot deliver again before the id is stored), unless the answer
 * asks the sender to come back (429, 5xx): a retry after our failure is then not taken for a replay.
 */
export function rememberDeliveries(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const delivery = pending.get(request);
    if (delivery && reply.statusCode < 500 && reply.statusCode !== 429) {
      await recordDelivery(ctx.database.db, delivery.source, delivery.key, delivery.shopId).catch((error: unknown) =>
        ctx.logger.warn({ err: error, source: delivery.source }, 'could not remember a webhook delivery id; a repeat of it would be processed again'));
    }
    return payload;
  });
}

/**
 * Handles a verified webhook delivery once per delivery id: an id processed before is acknowledged
 * (200) and kept as a replay; otherwise the delivery is handled and its id remembered (see
 * rememberDeliveries, which the route's plugin must register). Without an id the delivery is handled.
 * Ids are scoped by shop where the route is per shop, so one shop cannot block another's ids.
 */
export async function oncePerDelivery(
  ctx: ApiContext, request: FastifyRequest, reply: FastifyReply,
  delivery: { source: string; shopId: string | null; deliveryId: string | undefined; header: string },
  handle: () => Promise<unknown>,
): Promise<FastifyReply> {
  const { source, shopId, deliveryId, header } = delivery;
  if (deliveryId !== undefined) {
    const scoped = shopId === null ? deliveryId : `${shopId}:${deliveryId}`;
    // A key this long would not fit a btree index row (Postgres refuses ~2.7 kB): long ids are kept by hash.
    const key = scoped.length > MAX_KEY ? `sha256:${createHash('sha256').update(scoped).digest('hex')}` : scoped;
    const seen = await deliverySeen(ctx.database.db, source, key);
    if (seen) return acknowledgeReplay(ctx, request, reply, source, `${header} ${deliveryId} was processed at ${seen.toISOString()}; not processed again`);
    pending.set(request, { source, key, shopId });
  }
  await handle();
  return reply;
}
