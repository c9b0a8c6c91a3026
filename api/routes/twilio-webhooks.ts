import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { ChannelApiOptions } from '../../channels/api-options.ts';
import { findDispatchByProviderId, recordDispatchOutcome, recordProviderEvent, setConsent } from '../../channels/feedback.ts';
import { suppress } from '../../channels/protection.ts';
import { contacts } from '../../db/schema.ts';
import type { ApiContext } from '../context.ts';
import { keepRejected } from '../rejections.ts';
import { acceptFormBodies } from './form-body.ts';
import { oncePerDelivery, rememberDeliveries } from './webhook-delivery.ts';

// Twilio's standard opt-out and opt-in keywords (Advanced Opt-Out defaults).
const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const START = new Set(['START', 'YES', 'UNSTOP', 'OPTIN']);
/** Error codes in a status callback that mean the number can never receive. */
const UNREACHABLE_CODES = new Set(['21211', '21610', '21612', '21614', '30003', '30005', '30006', '63003', '63024']);
const MAX_ID = 200;
const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Twilio status callbacks (delivery of SMS and WhatsApp) and inbound messages, each verified with
 * X-Twilio-Signature over our public URL and the form parameters. Inbound STOP / START keywords
 * withdraw or renew consent; any inbound WhatsApp message opens its 24-hour service window.
 * Twilio sends no timestamp: a status callback is processed once per MessageSid and MessageStatus, an
 * inbound message once per MessageSid; a repeat is acknowledged and kept as a replay.
 */
export function twilioWebhookRoutes(ctx: ApiContext, options: ChannelApiOptions): FastifyPluginAsync {
  return async (app) => {
    acceptFormBodies(app);
    rememberDeliveries(app, ctx);

    async function verified(request: FastifyRequest, reply: FastifyReply): Promise<Record<string, string> | null> {
      if (!options.twilioAuthToken) {
        await reply.code(503).send({ error: 'not_configured', message: 'set TWILIO_AUTH_TOKEN to receive Twilio callbacks' });
        return null;
      }
      // Twilio posts forms; any other body (JSON reached the handlers with non-string fields: a 500) is refused.
      if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        const message = `Twilio callbacks are application/x-www-form-urlencoded, not ${request.headers['content-type'] ?? 'without a content type'}`;
        await keepRejected(ctx, request, 'twilio', 415, { code: 'unsupported_media_type', message });
        await reply.code(415).send({ error: 'unsupported_media_type', message });
        return null;
      }
      const params = (request.body ?? {}) as Record<string, string>;
      const signature = request.headers['x-twilio-signature'];
      const url = `${options.publicBaseUrl}${request.url}`;
      if (typeof signature !== 'string' || !twilio.validateRequest(options.twilioAuthToken, signature, url, params)) {
        await keepRejected(ctx, request, 'twilio', 403, { code: 'bad_signature', message: `X-Twilio-Signature does not match ${url}` });
        await reply.code(403).send({ error: 'bad_signature', message: 'X-Twilio-Signature does not match this request' });
        return null;
      }
      // Postgres text cannot hold NUL (a %00 in MessageSid was a 500), and ids are short (they key an index).
      const errors = Object.entries(params).flatMap(([field, value]) => value.includes('\u0000') || field.includes('\u0000') ? [{ field: field.replaceAll('\u0000', '%00'), message: 'must not contain the NUL character (%00)' }]
        : ['MessageSid', 'MessageStatus', 'ErrorCode'].includes(field) && value.length > MAX_ID ? [{ field, message: `longer than ${MAX_ID} characters` }] : []);
      if (errors.length > 0) {
        await keepRejected(ctx, request, 'twilio', 422, { code: 'invalid_callback', errors });
        await reply.code(422).send({ error: 'invalid_callback', message: 'the callback parameters cannot be processed', errors });
        return null;
      }
      return params;
    }

    app.post('/v1/webhooks/twilio/status', async (request, reply) => {
      const params = await verified(request, reply);
      if (!params) return reply;
      const sid = params.MessageSid ?? '';
      const status = params.MessageStatus ?? '';
      return oncePerDelivery(ctx, request, reply, { source: 'twilio', shopId: null, deliveryId: sid && status ? `status:${sid}:${status}` : undefined, header: 'MessageSid with MessageStatus' }, async () => {
        const kind = status === 'delivered' || status === 'read' ? 'delivered' : status === 'failed' || status === 'undelivered' ? 'failed' : null;
        const dispatch = await findDispatchByProviderId(ctx.database.db, 'twilio', sid);
        const fresh = await recordProviderEvent(ctx.database.db, {
          provider: 'twilio', providerEventId: `${sid}:${status}`, kind: kind ?? status, occurredAt: new Date(), dispatch,
          detail: { status, ...(params.ErrorCode ? { errorCode: params.ErrorCode } : {}) },
        });
        if (!fresh || !dispatch || !kind) return reply.code(200).send({ status: fresh ? 'recorded' : 'duplicate' });
        await recordDispatchOutcome(ctx.database.db, dispatch, kind, new Date(), params.ErrorCode ? `twilio error ${params.ErrorCode}` : undefined);
        if (kind === 'failed' && params.ErrorCode && UNREACHABLE_CODES.has(params.ErrorCode)) {
          const number = (params.To ?? '').replace(/^whatsapp:/, '');
          await suppress(ctx.database.db, { shopId: dispatch.shopId, channel: dispatch.channel as 'sms', addressHash: ctx.cipher.lookupHash(number), reason: 'invalid_address', source: 'twilio' });
        }
        return reply.code(200).send({ status: 'recorded', kind });
      });
    });

    app.post('/v1/webhooks/twilio/inbound', async (request, reply) => {
      const params = await verified(request, reply);
      if (!params) return reply;
      return oncePerDelivery(ctx, request, reply, { source: 'twilio', shopId: null, deliveryId: params.MessageSid ? `inbound:${params.MessageSid}` : undefined, header: 'MessageSid' }, async () => {
        const from = params.From ?? '';
        const channel = from.startsWith('whatsapp:') ? 'whatsapp' : 'sms';
        const number = from.replace(/^whatsapp:/, '');
        const keyword = (params.Body ?? '').trim().toUpperCase();
        const owners = await ctx.database.db
          .select({ shopId: contacts.shopId, customerId: contacts.customerId })
          .from(contacts)
          .where(eq(contacts.phoneHash, ctx.cipher.lookupHash(number)));
        const kind = STOP.has(keyword) ? 'stop' : START.has(keyword) ? 'start' : 'inbound';
        for (const owner of owners) {
          const fresh = await recordProviderEvent(ctx.database.db, {
            provider: 'twilio', providerEventId: `${params.MessageSid ?? randomUUID()}:${owner.customerId}`, kind,
            occurredAt: new Date(), shopId: owner.shopId, customerId: owner.customerId, channel,
          });
          if (!fresh) continue;
          if (channel === 'whatsapp') {
            // Any message from the customer opens the 24-hour window for free-form replies.
            await recordProviderEvent(ctx.database.db, { provider: 'twilio', providerEventId: `${params.MessageSid ?? randomUUID()}:${owner.customerId}:window`, kind: 'inbound', occurredAt: new Date(), shopId: owner.shopId, customerId: owner.customerId, channel });
          }
          if (kind !== 'inbound') await setConsent(ctx, { ...owner, channel, granted: kind === 'start', source: `twilio_${kind}` });
        }
        return reply.code(200).header('content-type', 'text/xml').send(TWIML_EMPTY);
      });
    });
  };
}
