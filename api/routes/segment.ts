import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CanonicalEvent } from '../../ingest/canonical.ts';
import { guardIngest } from '../../ingest/guards.ts';
import { pipelineDeps, refuse, shopCurrency, storeAdapted } from '../../ingest/http.ts';
import { ingestEvents } from '../../ingest/pipeline.ts';
import { segmentBatchToCanonical, segmentToCanonical } from '../../ingest/segment.ts';
import { authenticateKey } from '../../lib/api-keys.ts';
import { keyFromHeader } from '../auth.ts';
import type { ApiContext } from '../context.ts';

/** Segment's tracking API (track, identify, batch), authenticated with the shop's write key (an ingest API key). */
export function segmentRoutes(ctx: ApiContext): FastifyPluginAsync {
  async function shopOf(request: FastifyRequest, reply: FastifyReply): Promise<{ shopId: string; currency: string } | null> {
    const body = request.body as { writeKey?: unknown } | undefined;
    const key = keyFromHeader(request.headers.authorization) ?? (typeof body?.writeKey === 'string' ? body.writeKey : null);
    const principal = key ? await authenticateKey(ctx.database.db, key) : null;
    if (!principal || !(principal.scopes.includes('ingest') || principal.scopes.includes('admin'))) {
      await refuse(ctx, request, reply, 'segment', 401, 'unauthorized', { message: 'send the shop\'s write key (an API key with the "ingest" scope) as Basic auth user name or Bearer token' });
      return null;
    }
    request.principal = principal;
    return { shopId: principal.shopId, currency: (await shopCurrency(ctx, principal.shopId)) ?? 'USD' };
  }

  return async (app) => {
    guardIngest(app, ctx);
    for (const kind of ['track', 'identify'] as const) {
      app.post(`/v1/${kind}`, async (request, reply) => {
        const shop = await shopOf(request, reply);
        if (!shop) return reply;
        return storeAdapted(ctx, request, reply, shop.shopId, 'segment', segmentToCanonical(kind, request.body, { shopCurrency: shop.currency }));
      });
    }

    app.post('/v1/batch', async (request, reply) => {
      const shop = await shopOf(request, reply);
      if (!shop) return reply;
      const mapped = segmentBatchToCanonical(request.body, { shopCurrency: shop.currency });
      if (!mapped.ok) return refuse(ctx, request, reply, 'segment', 422, 'invalid_payload', { errors: mapped.errors });
      const events: CanonicalEvent[] = [];
      const errors = mapped.items.flatMap((i) => (i.result.ok ? [] : i.result.errors));
      for (const item of mapped.items) if (item.result.ok) events.push(...item.result.events);
      const outcome = await ingestEvents(pipelineDeps(ctx), shop.shopId, 'segment', events);
      for (const f of outcome.failed) errors.push({ field: `(${events[f.index]?.type} ${events[f.index]?.eventId})`, message: f.error });
      const rejected = mapped.items.filter((i) => !i.result.ok).length + outcome.failed.length;
      const counts = { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected };
      // Good messages are stored either way; the refused ones are kept for replay and named here.
      if (rejected) return refuse(ctx, request, reply, 'segment', 422, 'invalid_messages', { message: `${rejected} message(s) refused, ${outcome.accepted} stored, ${outcome.duplicates} duplicate`, errors });
      return reply.code(200).send({ success: true, ...counts, triggersQueued: outcome.triggersQueued });
    });
  };
}
