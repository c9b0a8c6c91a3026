import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import type { LinkKind, LinkToken } from '../../channels/links.ts';
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

type Dispatch = typeof dispatches.$inferSelect;

/**
 * Where a click goes: an http(s) URL, serialised by the URL parser so it is ASCII and fit for a
 * Location header (a signed URL with bytes outside ASCII was a 500); null for anything else.
 */
function redirectTarget(url: string): string | null {
  if (!/^https?:\/\//i.test(url)) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const invalidPage = (reply: FastifyReply, what: string) => page(reply, 400, 'Link not valid', `<p>This ${what} is not valid.</p>`);
const expiredPage = (reply: FastifyReply, kind: LinkKind, days: number) =>
  page(reply, 410, 'Link expired', kind === 'click'
    ? `<p>This link has expired: links in our messages work for ${days} days. Please visit the shop directly.</p>`
    : `<p>This unsubscribe link has expired: unsubscribe links work for ${days} days after the message was sent. Please use the link in a more recent message or contact the shop, and we will stop sending.</p>`);

/**
 * Signed click and unsubscribe links. A click is credited to its message and redirected; an
 * unsubscribe is a POST (the RFC 8058 one-click POST from mail clients, or the button on the page a
 * GET shows), so link scanners that only GET cannot unsubscribe anyone. A tampered or foreign token
 * is answered 400, an expired one 410; a token without an issue time (signed before tokens carried one)
 * is honoured only while the message it names was sent within the same lifetime.
 */
export function linkRoutes(ctx: ApiContext, options: ChannelApiOptions): FastifyPluginAsync {
  return async (app) => {
    acceptFormBodies(app);
    const dispatchOf = async (id: string) => (await ctx.database.db.select().from(dispatches).where(eq(dispatches.id, id)))[0] ?? null;

    /** The token and its dispatch (null when the token names none), or the page already sent. */
    async function resolve<K extends LinkKind>(reply: FastifyReply, raw: string | undefined, kind: K, what: string):
      Promise<{ token: Extract<LinkToken, { kind: K }>; dispatch: Dispatch | null } | null> {
      const checked = options.links.check(typeof raw === 'string' ? raw : '');
      if (!checked.ok) {
        await (checked.reason === 'expired' && checked.kind === kind ? expiredPage(reply, kind, options.links.ttlDays(kind)) : invalidPage(reply, what));
        return null;
      }
      if (checked.token.kind !== kind) {
        await invalidPage(reply, what);
        return null;
      }
      const token = checked.token as Extract<LinkToken, { kind: K }>;
      const dispatch = await dispatchOf(token.dispatchId);
      if (checked.issuedAt === null) {
        // Legacy token: bounded by the message's own send time, or refused when no message backs it.
        if (!dispatch) {
          await invalidPage(reply, what);
          return null;
        }
        if (!options.links.legacyWithin(kind, dispatch.sentAt ?? dispatch.createdAt)) {
          await expiredPage(reply, kind, options.links.ttlDays(kind));
          return null;
        }
      }
      return { token, dispatch };
    }

    app.get<{ Querystring: { t?: string } }>('/l/c', async (request, reply) => {
      const resolved = await resolve(reply, request.query.t, 'click', 'link');
      if (!resolved) return reply;
      const { token, dispatch } = resolved;
      const target = redirectTarget(token.url);
      if (!target) return invalidPage(reply, 'link');
      if (dispatch) {
        const at = new Date();
        const urlHash = createHash('sha256').update(token.url).digest('hex').slice(0, 16);
        await recordProviderEvent(ctx.database.db, { provider: 'nextbest', providerEventId: `click:${dispatch.id}:${urlHash}:${at.getTime()}`, kind: 'clicked', occurredAt: at, dispatch, detail: { url: token.url } });
        await recordDispatchOutcome(ctx.database.db, dispatch, 'clicked', at);
      }
      return reply.redirect(target, 302);
    });

    app.get<{ Querystring: { t?: string } }>('/l/u', async (request, reply) => {
      const resolved = await resolve(reply, request.query.t, 'unsubscribe', 'unsubscribe link');
      if (!resolved) return reply;
      return page(reply, 200, 'Unsubscribe', `<p>Stop receiving these messages by ${resolved.token.channel}?</p><form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`);
    });

    app.post<{ Querystring: { t?: string } }>('/l/u', async (request, reply) => {
      const resolved = await resolve(reply, request.query.t, 'unsubscribe', 'unsubscribe link');
      if (!resolved) return reply;
      const { token, dispatch } = resolved;
      if (!dispatch) return page(reply, 404, 'Unknown message', '<p>We could not find the message this link came from.</p>');
      await setConsent(ctx, { shopId: dispatch.shopId, customerId: dispatch.customerId, channel: token.channel, granted: false, source: 'unsubscribe_link' });
      await recordDispatchOutcome(ctx.database.db, dispatch, 'unsubscribed', new Date());
      return page(reply, 200, 'Unsubscribed', `<p>You are unsubscribed and will get no more of these messages by ${token.channel}.</p>`);
    });
  };
}
