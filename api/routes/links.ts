import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { recordDispatchOutcome, recordProviderEvent, setConsent } from '../../channels/feedback.ts';
import { dispatches } from '../../db/schema.ts';
import type { ApiContext } from '../context.ts';
import { acceptFormBodies } from './form-body.ts';

const page = (reply: FastifyReply, status: number, title: string, body: string) =>
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`);

/**
 * Signed click and unsubscribe links. A click is credited to its message and redirected; an
 * unsubscribe is a POST (the RFC 8058 one-click POST from mail clients, or the button on the page a
 * GET shows), so link scanners that only GET cannot unsubscribe anyone.
 */
export function linkRoutes(ctx: ApiContext, options: ChannelApiOptions): FastifyPluginAsync {
  return async (app) => {
    acceptFormBodies(app);
    const dispatchOf = async (id: string) => (await ctx.database.db.select().from(dispatches).where(eq(dispatches.id, id)))[0] ?? null;

    app.get<{ Querystring: { t?: string } }>('/l/c', async (request, reply) => {
      const token = options.links.verify(request.query.t ?? '');
      if (token?.kind !== 'click' || !/^https?:\/\//.test(token.url)) return page(reply, 400, 'Link not valid', '<p>This link is not valid.</p>');
      const dispatch = await dispatchOf(token.dispatchId);
      if (dispatch) {
        const at = new Date();
        const urlHash = createHash('sha256').update(token.url).digest('hex').slice(0, 16);
        await recordProviderEvent(ctx.database.db, { provider: 'nextbest', providerEventId: `click:${dispatch.id}:${urlHash}:${at.getTime()}`, kind: 'clicked', occurredAt: at, dispatch, detail: { url: token.url } });
        await recordDispatchOutcome(ctx.database.db, dispatch, 'clicked', at);
      }
      return reply.redirect(token.url, 302);
    });

    app.get<{ Querystring: { t?: string } }>('/l/u', async (request, reply) => {
      const token = options.links.verify(request.query.t ?? '');
      if (token?.kind !== 'unsubscribe') return page(reply, 400, 'Link not valid', '<p>This unsubscribe link is not valid.</p>');
      return page(reply, 200, 'Unsubscribe', `<p>Stop receiving these messages by ${token.channel}?</p><form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`);
    });

    app.post<{ Querystring: { t?: string } }>('/l/u', async (request, reply) => {
      const token = options.links.verify(request.query.t ?? '');
      if (token?.kind !== 'unsubscribe') return page(reply, 400, 'Link not valid', '<p>This unsubscribe link is not valid.</p>');
      const dispatch = await dispatchOf(token.dispatchId);
      if (!dispatch) return page(reply, 404, 'Unknown message', '<p>We could not find the message this link came from.</p>');
      await setConsent(ctx, { shopId: dispatch.shopId, customerId: dispatch.customerId, channel: token.channel, granted: false, source: 'unsubscribe_link' });
      await recordDispatchOutcome(ctx.database.db, dispatch, 'unsubscribed', new Date());
      return page(reply, 200, 'Unsubscribed', `<p>You are unsubscribed and will get no more of these messages by ${token.channel}.</p>`);
    });
  };
}
