import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CanonicalEvent } from '../../ingest/canonical.ts';
import { guardIngest } from '../../ingest/guards.ts';
import { refuse, shopCurrency } from '../../ingest/http.ts';
import { queueEvents } from '../../ingest/queue.ts';
import { segmentBatchToCanonical, segmentToCanonical } from '../../ingest/segment.ts';
import { authenticateKey } from '../../lib/api-keys.ts';
import { keyFromHeader } from '../auth.ts';
import type { ApiContext } from '../context.ts';

/**
 * Segment's tracking API (track, identify, batch), authenticated with the shop's write key (an ingest API
 * key). Messages are validated here and queued (ingest/queue.ts); the queue processor stores them through
 * the entry path moments later, as Segment's own API does: 200 means accepted, not yet stored.
 */
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

  /** Queues the events and answers; 429 while the queue is over its limit (nothing queued, the sender retries). */
  async function accept(reply: FastifyReply, shopId: string, events: CanonicalEvent[]) {
    if (ctx.ingestQueue?.overloaded()) {
      ctx.metrics.eventsRejected.inc({ source: 'segment', status: '429' });
      return { full: reply.code(429).header('retry-after', String(RETRY_AFTER_QUEUE_S))
        .send({ error: 'queue_full', message: `events are arriving faster than they are stored; nothing was queued, retry after ${RETRY_AFTER_QUEUE_S} s` }) };
    }
    const outcome = await queueEvents(ctx, shopId, 'segment', events);
    if (outcome.queued) ctx.ingestQueue?.nudge();
    return { outcome };
  }

  return async (app) => {
    guardIngest(app, ctx);
    for (const kind of ['track', 'identify'] as const) {
      app.post(`/v1/${kind}`, async (request, reply) => {
        const shop = await shopOf(request, reply);
        if (!shop) return reply;
        const result = segmentToCanonical(kind, request.body, { shopCurrency: shop.currency });
        if (!result.ok) return refuse(ctx, request, reply, 'segment', 422, 'invalid_payload', { errors: result.errors });
        if (result.events.length === 0) return reply.code(200).send({ status: 'ignored', reason: result.ignored ?? 'nothing to record' });
        const { full, outcome } = await accept(reply, shop.shopId, result.events);
        if (full) return full;
        return reply.code(200).send({ status: outcome!.queued === 0 ? 'duplicate' : 'accepted' });
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
      const { full, outcome } = await accept(reply, shop.shopId, events);
      if (full) return full;
      const rejected = mapped.items.filter((i) => !i.result.ok).length;
      const counts = { accepted: outcome!.queued, duplicates: outcome!.duplicates, rejected };
      // Good messages are queued either way; the refused ones are kept for replay and named here.
      if (rejected) return refuse(ctx, request, reply, 'segment', 422, 'invalid_messages', { message: `${rejected} message(s) refused, ${counts.accepted} accepted, ${counts.duplicates} duplicate`, errors });
      return reply.code(200).send({ success: true, ...counts });
    });
  };
}

/** Retry-After while the ingest queue is over its limit. */
const RETRY_AFTER_QUEUE_S = 5;
