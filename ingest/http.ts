import type { FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import type { ApiContext } from '../api/context.ts';
import { keepRejected } from '../api/rejections.ts';
import { shops } from '../db/schema.ts';
import type { AdapterResult, FieldError } from './adapter.ts';
import type { CanonicalEvent } from './canonical.ts';
import { ingestEvents, type PipelineDeps, type PipelineOutcome } from './pipeline.ts';
import { sourceSecret, type WebhookSource } from './secrets.ts';
import { verifyBase64Hmac } from './signatures.ts';

// What the platform endpoints share: turning an adapter's verdict into a stored event or a kept
// rejection, and the answer the sender gets.

/** What the ingest routes store with: live traffic queues its journey triggers. */
export const pipelineDeps = (ctx: ApiContext): PipelineDeps => ({ database: ctx.database, cipher: ctx.cipher, metrics: ctx.metrics, startJourneys: true });

const currencies = new Map<string, string>();
/** The shop's currency, for sources that send prices without one; null when the shop does not exist. */
export async function shopCurrency(ctx: ApiContext, shopId: string): Promise<string | null> {
  const cached = currencies.get(shopId);
  if (cached) return cached;
  const [row] = await ctx.database.db.select({ currency: shops.currency }).from(shops).where(eq(shops.id, shopId));
  if (row) currencies.set(shopId, row.currency);
  return row?.currency ?? null;
}

export async function refuse(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, source: string, status: 401 | 400 | 404 | 422, error: string, detail: { message?: string; errors?: FieldError[] }) {
  await keepRejected(ctx, request, source, status, { code: error, ...detail });
  return reply.code(status).send({ error, ...detail });
}

/** Stores what an adapter made of a payload and answers: 200 for stored or duplicate, 422 naming each wrong field. */
export async function storeAdapted(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, shopId: string, source: string, result: AdapterResult) {
  if (!result.ok) return refuse(ctx, request, reply, source, 422, 'invalid_payload', { errors: result.errors });
  if (result.events.length === 0) return reply.code(200).send({ status: 'ignored', reason: result.ignored ?? 'nothing to record' });
  const outcome = await ingestEvents(pipelineDeps(ctx), shopId, source, result.events);
  if (outcome.failed.length) return refuse(ctx, request, reply, source, 422, 'not_stored', { errors: failures(outcome, result.events) });
  return reply.code(200).send({ status: outcome.accepted === 0 ? 'duplicate' : 'accepted', triggersQueued: outcome.triggersQueued });
}

export const failures = (outcome: PipelineOutcome, events: CanonicalEvent[]): FieldError[] =>
  outcome.failed.map((f) => ({ field: `(${events[f.index]?.type ?? 'event'} ${events[f.index]?.eventId ?? f.index})`, message: f.error }));

const PLATFORM = { shopify: 'Shopify', woocommerce: 'WooCommerce' } as const;

/**
 * Checks a platform webhook's HMAC over the raw body with the shop's secret. On failure the payload is
 * kept and 401 sent (returns null); on success the request is attributed to the shop.
 */
export async function verifiedShop(ctx: ApiContext, request: FastifyRequest<{ Params: { shopId: string } }>, reply: FastifyReply,
  source: WebhookSource, header: string): Promise<{ shopId: string; currency: string } | null> {
  const { shopId } = request.params;
  const secret = await sourceSecret(ctx.database.db, ctx.cipher, shopId, source);
  const signature = request.headers[header];
  if (!secret || !verifyBase64Hmac(secret, request.rawBody ?? '', typeof signature === 'string' ? signature : undefined)) {
    await refuse(ctx, request, reply, source, 401, 'bad_signature', {
      message: secret ? `${header} is missing or does not match the body signed with this shop's secret` : `no ${PLATFORM[source]} secret is configured for shop "${shopId}"`,
    });
    return null;
  }
  request.principal = { shopId, scopes: ['ingest'], keyId: `webhook:${source}` };
  const currency = await shopCurrency(ctx, shopId);
  if (!currency) {
    await refuse(ctx, request, reply, source, 404, 'unknown_shop', { message: `shop "${shopId}" does not exist` });
    return null;
  }
  return { shopId, currency };
}
