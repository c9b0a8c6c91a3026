import Fastify, { type FastifyInstance } from 'fastify';
import { channelApiOptionsFromConfig, type ChannelApiOptions } from '../channels/api-options.ts';
import { isDatabaseUnavailable } from '../ingest/errors.ts';
import { RETRY_AFTER_DB_S } from '../ingest/guards.ts';
import type { ApiContext } from './context.ts';
import { databaseBreaker } from './db-breaker.ts';
import { keepRejected } from './rejections.ts';
import { linkRoutes } from './routes/links.ts';
import { placementRoutes } from './routes/placements.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { resendWebhookRoutes } from './routes/resend-webhooks.ts';
import { twilioWebhookRoutes } from './routes/twilio-webhooks.ts';
import { customerRoutes } from './routes/customers.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { eventsRoutes } from './routes/events.ts';
import { experimentsRoutes } from './routes/experiments.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { reportsRoutes } from './routes/reports.ts';
import { segmentRoutes } from './routes/segment.ts';
import { shopifyRoutes } from './routes/shopify.ts';
import { wooRoutes } from './routes/woocommerce.ts';

export const BODY_LIMIT_BYTES = 1_048_576;

/** Builds the HTTP API. No input may crash it or produce a 500 without a logged, kept reason. */
export function buildApi(ctx: ApiContext, channels: ChannelApiOptions = channelApiOptionsFromConfig(ctx.cipher)): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });

  // Keep the raw body: webhook signatures are computed over it, and a rejected payload is stored as sent.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    try {
      done(null, (body as string).length === 0 ? {} : JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`body is not valid JSON: ${(error as Error).message}`), { statusCode: 400, code: 'invalid_json' }), undefined);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpDuration.observe({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    // Postgres away: any route says so with 503 + Retry-After (ingest routes have their own, ingest/guards.ts);
    // nothing is kept in rejected_payloads, which lives in that same database.
    if (isDatabaseUnavailable(error)) {
      ctx.logger.warn({ err: error, route: request.routeOptions.url }, 'database unavailable: answered 503');
      databaseBreaker(ctx).trip(error);
      return reply.code(503).header('retry-after', String(RETRY_AFTER_DB_S))
        .send({ error: 'database_unavailable', message: `the database cannot be reached; retry after ${RETRY_AFTER_DB_S} s` });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) ctx.logger.error({ err: error, route: request.routeOptions.url }, 'request failed');
    const message = status === 500 ? 'internal error; the request was not processed, retry later' : error.message;
    if (request.method === 'POST') await keepRejected(ctx, request, 'http', status, { code: error.code ?? 'error', message });
    return reply.code(status).send({ error: error.code ?? (status === 500 ? 'internal' : 'bad_request'), message });
  });

  // Postgres text cannot hold NUL: a %00 in the path or query is refused before a route looks it up (was a 500).
  app.addHook('onRequest', async (request, reply) => (request.url.includes('%00') ? reply.code(400).send({ error: 'bad_request', message: 'the URL contains a NUL character (%00)' }) : undefined));

  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }));

  app.register(healthRoutes(ctx));
  app.register(metricsRoutes(ctx));
  app.register(eventsRoutes(ctx));
  app.register(experimentsRoutes(ctx));
  app.register(reportsRoutes(ctx));
  app.register(dashboardRoutes(ctx));
  app.register(customerRoutes(ctx));
  app.register(segmentRoutes(ctx));
  app.register(shopifyRoutes(ctx));
  app.register(wooRoutes(ctx));
  app.register(linkRoutes(ctx, channels));
  app.register(resendWebhookRoutes(ctx, channels));
  app.register(twilioWebhookRoutes(ctx, channels));
  app.register(placementRoutes(ctx, channels));
  app.register(privacyRoutes(ctx));
  return app;
}
