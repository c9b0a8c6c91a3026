import { and, desc, eq, inArray } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { discountCode } from '../../channels/discount.ts';
import { pushSubscriptions } from '../../db/schema-channels.ts';
import { customers, decisions, dispatches, journeys, products } from '../../db/schema.ts';
import { formatMoney, safeLocale } from '../../templates/money.ts';
import type { Decision } from '../../workflows/types.ts';
import { requireScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { fieldErrors } from '../validation.ts';

const pushSubscription = z.object({
  customerId: z.string().min(1).max(200),
  subscription: z.object({ endpoint: z.url().startsWith('https://', 'an https:// push service endpoint'), keys: z.object({ p256dh: z.string().min(1), auth: z.string().min(1) }) }),
});

/**
 * In-app and push: the current placements for a customer (what their running journeys decided to
 * show, with price and availability resolved now), and registration of web-push subscriptions.
 */
export function placementRoutes(ctx: ApiContext, options: ChannelApiOptions): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { customerId: string } }>('/v1/placements/:customerId', { preHandler: requireScope(ctx, 'read') }, async (request, reply) => {
      const { db } = ctx.database;
      const shopId = request.principal!.shopId;
      const [customer] = await db.select().from(customers).where(and(eq(customers.shopId, shopId), eq(customers.id, request.params.customerId)));
      if (!customer) return reply.code(404).send({ error: 'unknown_customer', message: `no customer ${request.params.customerId} in this shop` });
      const running = await db
        .select({ workflowId: journeys.workflowId, journey: journeys.journey })
        .from(journeys)
        .where(and(eq(journeys.shopId, shopId), eq(journeys.customerId, customer.id), eq(journeys.status, 'running')));
      const locale = safeLocale(customer.locale);
      const placements = [];
      for (const journey of running) {
        const [latest] = await db.select().from(decisions).where(eq(decisions.workflowId, journey.workflowId)).orderBy(desc(decisions.step)).limit(1);
        if (!latest) continue;
        const decision = latest.decision as unknown as Decision;
        const rows = decision.productIds.length ? await db.select().from(products).where(and(eq(products.shopId, shopId), inArray(products.id, decision.productIds))) : [];
        const inStock = rows.filter((p) => p.stock === null || p.stock > 0);
        if (inStock.length === 0) continue;
        const [sent] = await db.select({ id: dispatches.id }).from(dispatches).where(and(eq(dispatches.workflowId, journey.workflowId), eq(dispatches.step, latest.step))).limit(1);
        const codeKey = sent?.id ?? `inapp:${journey.workflowId}:${latest.step}`;
        placements.push({
          slot: 'banner',
          journey: journey.journey,
          contentType: decision.contentType,
          variant: decision.variant,
          products: inStock.map((p) => ({
            productId: p.id, title: p.title, priceMinor: p.priceMinor, currency: p.currency, price: formatMoney(p.priceMinor, p.currency, locale),
            inStock: true, stock: p.stock, url: p.url ? options.links.clickUrl(codeKey, p.url) : null, imageUrl: p.imageUrl,
          })),
          offer: decision.discountTier > 0 ? { percent: decision.discountTier, code: discountCode(options.signingSecret, codeKey, decision.discountTier) } : null,
        });
      }
      return reply.header('cache-control', 'private, max-age=60').send({ customerId: customer.id, placements });
    });

    app.get('/v1/push/vapid-public-key', async (_request, reply) => {
      if (!options.vapidPublicKey) return reply.code(404).send({ error: 'not_configured', message: 'web push is off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY' });
      return reply.send({ publicKey: options.vapidPublicKey });
    });

    app.post('/v1/push/subscriptions', { preHandler: requireScope(ctx, 'ingest') }, async (request, reply) => {
      const parsed = pushSubscription.safeParse(request.body);
      if (!parsed.success) return reply.code(422).send({ error: 'invalid_subscription', errors: fieldErrors(parsed.error) });
      const shopId = request.principal!.shopId;
      const { customerId, subscription } = parsed.data;
      const [customer] = await ctx.database.db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), eq(customers.id, customerId)));
      if (!customer) return reply.code(404).send({ error: 'unknown_customer', message: `no customer ${customerId} in this shop` });
      const endpointHash = ctx.cipher.lookupHash(subscription.endpoint);
      const values = { shopId, customerId, endpointHash, subscriptionEnc: ctx.cipher.encrypt(JSON.stringify(subscription)), failures: 0 };
      await ctx.database.db.insert(pushSubscriptions).values(values).onConflictDoUpdate({ target: [pushSubscriptions.shopId, pushSubscriptions.endpointHash], set: values });
      return reply.code(201).send({ status: 'subscribed' });
    });
  };
}
