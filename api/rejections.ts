import type { FastifyReply, FastifyRequest } from 'fastify';
import { rejectedPayloads } from '../db/schema.ts';
import { piiLookupHashes } from '../lib/pii.ts';
import type { ApiContext } from './context.ts';

const KEPT_HEADERS = ['content-type', 'user-agent', 'x-shopify-topic', 'x-shopify-shop-domain', 'x-wc-webhook-topic', 'x-wc-webhook-source'];
const MAX_KEPT_BODY = 1_000_000;

/** Keeps a refused payload with its reason, so nothing is lost and an operator can replay it. */
export async function keepRejected(
  ctx: ApiContext,
  request: FastifyRequest,
  source: string,
  status: number,
  reason: unknown,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const body = (request.rawBody ?? '').slice(0, MAX_KEPT_BODY);
  try {
    await ctx.database.db.insert(rejectedPayloads).values({
      shopId: request.principal?.shopId ?? null,
      source,
      endpoint: request.url,
      status,
      reason: reason as never,
      // Bodies may hold PII (a Shopify order names its buyer): kept encrypted, found for an erase by the
      // look-up hashes of the addresses in them. The ciphertext is base64url, so NUL bytes survive too.
      body: ctx.cipher.encrypt(body),
      bodyEncrypted: true,
      piiHashes: piiLookupHashes(ctx.cipher, body),
      headers,
    });
    ctx.metrics.eventsRejected.inc({ source, status: String(status) });
  } catch (error) {
    ctx.logger.error({ err: error, source, status }, 'could not keep a rejected payload');
  }
}


/**
 * A signed delivery seen before (a provider's repeat or a replay): acknowledged with 200 so the sender
 * stops retrying, not processed again, and kept with the reason.
 */
export async function acknowledgeReplay(ctx: ApiContext, request: FastifyRequest, reply: FastifyReply, source: string, message: string) {
  await keepRejected(ctx, request, source, 200, { code: 'replayed', message });
  return reply.code(200).send({ status: 'duplicate_delivery', message });
}
