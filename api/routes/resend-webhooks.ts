import type { FastifyPluginAsync } from 'fastify';
import { Resend } from 'resend';
import { z } from 'zod';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { findDispatchByProviderId, landedAt, recordDispatchOutcome, recordProviderEvent, setConsent, type OutcomeKind } from '../../channels/feedback.ts';
import { looksLikeMachineOpen } from '../../attribution/machine-opens.ts';
import { suppress } from '../../channels/protection.ts';
import { normaliseEmail } from '../../lib/pii.ts';
import type { ApiContext } from '../context.ts';
import { svixStaleness } from '../../ingest/webhook-replay.ts';
import { keepRejected } from '../rejections.ts';
import { fieldErrors } from '../validation.ts';
import { oncePerDelivery, rememberDeliveries } from './webhook-delivery.ts';

const KINDS: Record<string, OutcomeKind> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.failed': 'failed',
};

/** Postgres text cannot hold NUL. */
const text = () => z.string().max(2000).refine((v) => !v.includes('\u0000'), 'must not contain the NUL character (\\u0000)');
/** The fields used of an e-mail event (other fields and other event types pass through untouched). */
const emailEvent = z.object({
  type: z.string(),
  created_at: z.iso.datetime({ offset: true, message: 'an ISO 8601 timestamp with a zone' }).optional(),
  data: z.object({
    email_id: text().max(200).optional(),
    to: z.array(text()).optional(),
    bounce: z.object({ type: text().optional(), subType: text().optional(), message: text().optional() }).optional(),
  }),
});
type ResendEvent = z.infer<typeof emailEvent>;
/** Any other event: only its type is read. */
const anyEvent = z.object({ type: z.string() });

/**
 * Resend's delivery and engagement webhooks, verified by their Svix signature over the raw body; a
 * svix-timestamp more than 5 minutes off is refused (401) and a svix-id seen before is acknowledged
 * without processing (both kept in rejected_payloads with the reason).
 * A hard bounce or a complaint suppresses the address; a complaint also withdraws e-mail consent.
 */
export function resendWebhookRoutes(ctx: ApiContext, options: ChannelApiOptions): FastifyPluginAsync {
  // The SDK's verifier lives on a client instance; verification itself needs no API key.
  const resend = new Resend('re_webhook_verification_only');
  return async (app) => {
    rememberDeliveries(app, ctx);
    app.post('/v1/webhooks/resend', async (request, reply) => {
      if (!options.resendWebhookSecret) return reply.code(503).send({ error: 'not_configured', message: 'set RESEND_WEBHOOK_SECRET to receive Resend webhooks' });
      const header = (name: string) => {
        const value = request.headers[`svix-${name}`] ?? request.headers[`webhook-${name}`];
        return typeof value === 'string' ? value : '';
      };
      // Svix refuses a timestamp over 5 minutes off as well; checked first here to keep the precise reason.
      const stale = header('timestamp') ? svixStaleness(header('timestamp')) : null;
      if (stale) {
        await keepRejected(ctx, request, 'resend', 401, stale);
        return reply.code(401).send({ error: stale.code, message: stale.message });
      }
      let verified: unknown;
      try {
        verified = resend.webhooks.verify({
          payload: request.rawBody ?? '',
          headers: { id: header('id'), timestamp: header('timestamp'), signature: header('signature') },
          webhookSecret: options.resendWebhookSecret,
        });
      } catch (error) {
        await keepRejected(ctx, request, 'resend', 401, { code: 'bad_signature', message: (error as Error).message });
        return reply.code(401).send({ error: 'bad_signature', message: 'the webhook signature does not match RESEND_WEBHOOK_SECRET' });
      }
      // Signed is not well-formed: a signed body that is not an event, or an e-mail event without its data, was a 500.
      const type = (verified as { type?: unknown } | null)?.type;
      const kind = typeof type === 'string' && Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
      const parsed = (kind ? emailEvent : anyEvent).safeParse(verified);
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error);
        await keepRejected(ctx, request, 'resend', 422, { code: 'invalid_event', errors });
        return reply.code(422).send({ error: 'invalid_event', message: 'the webhook body is not a Resend event', errors });
      }
      const event = parsed.data as ResendEvent;
      return oncePerDelivery(ctx, request, reply, { source: 'resend', shopId: null, deliveryId: header('id') || undefined, header: 'svix-id' }, () => handle(event, kind));

      async function handle(event: ResendEvent, kind: OutcomeKind | undefined) {
        if (!kind || !event.data.email_id) return reply.code(200).send({ status: 'ignored', type: event.type });
        const occurredAt = event.created_at ? new Date(event.created_at) : new Date();
        const dispatch = await findDispatchByProviderId(ctx.database.db, 'resend', event.data.email_id);
        const hardBounce = kind === 'bounced' && (event.data.bounce?.type ?? 'Permanent') === 'Permanent';
        // Resend does not say which opens a machine made (privacy proxies, scanners): one on landing is.
        const machineOpen = kind === 'opened' && dispatch !== null && looksLikeMachineOpen(occurredAt, await landedAt(ctx.database.db, dispatch));
        const fresh = await recordProviderEvent(ctx.database.db, {
          provider: 'resend', providerEventId: header('id'), kind, occurredAt, dispatch,
          detail: { type: event.type, ...(event.data.bounce ? { bounce: event.data.bounce } : {}), ...(machineOpen ? { machineOpen: true } : {}) },
        });
        if (!fresh) return reply.code(200).send({ status: 'duplicate' });
        if (!dispatch) {
          ctx.logger.warn({ emailId: event.data.email_id, type: event.type }, 'Resend event for a message not in the ledger');
          return reply.code(200).send({ status: 'unknown_message' });
        }
        if (kind !== 'bounced' || hardBounce) await recordDispatchOutcome(ctx.database.db, dispatch, kind, occurredAt, event.data.bounce?.message, { machineOpen });
        const to = event.data.to?.[0];
        if ((hardBounce || kind === 'complained') && to) {
          await suppress(ctx.database.db, { shopId: dispatch.shopId, channel: 'email', addressHash: ctx.cipher.lookupHash(normaliseEmail(to)), reason: hardBounce ? 'hard_bounce' : 'complaint', source: 'resend' });
        }
        if (kind === 'complained') await setConsent(ctx, { shopId: dispatch.shopId, customerId: dispatch.customerId, channel: 'email', granted: false, source: 'resend_complaint' });
        return reply.code(200).send({ status: 'recorded', kind });
      }
    });
  };
}
