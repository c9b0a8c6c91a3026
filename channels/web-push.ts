import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import { SendError, kindForStatus } from './errors.ts';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.ts';

export interface WebPushOptions {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact for the push service (VAPID subject). */
  subject: string;
  /** HTTPS agent for the push services (a proxy or an extra CA); the default agent otherwise. */
  agent?: Agent;
}

/**
 * Web push (RFC 8030) with VAPID through the web-push library. The Topic header is derived from the
 * dispatch, so a repeated send replaces the undelivered copy at the push service instead of adding one.
 */
export class WebPushSender implements ChannelSender {
  readonly provider = 'web-push';
  readonly ratePerSecond = 50;
  constructor(private readonly options: WebPushOptions) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    let subscription: webpush.PushSubscription;
    try {
      subscription = JSON.parse(message.to) as webpush.PushSubscription;
    } catch {
      throw new SendError('invalid_address', 'the push subscription on file is not valid JSON', { provider: this.provider });
    }
    const payload = JSON.stringify({ title: message.subject, body: message.text, url: message.url ?? null, dispatchId: message.dispatchId });
    const topic = createHash('sha256').update(message.idempotencyKey).digest('base64url').slice(0, 32);
    try {
      const result = await webpush.sendNotification(subscription, payload, {
        vapidDetails: { subject: this.options.subject, publicKey: this.options.publicKey, privateKey: this.options.privateKey },
        TTL: 24 * 3600,
        topic,
        urgency: 'normal',
        ...(this.options.agent ? { agent: this.options.agent } : {}),
      });
      return { provider: this.provider, providerMessageId: result.headers.location ?? `push:${message.dispatchId}` };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      // 404/410: the browser dropped the subscription; it can never receive again.
      const kind = status === 404 || status === 410 ? 'invalid_address' : kindForStatus(status ?? null);
      throw new SendError(kind, `push service refused the message: ${(error as Error).message}`, { provider: this.provider, status: status ?? null });
    }
  }
}
