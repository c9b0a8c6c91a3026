import { Resend } from 'resend';
import { SendError, kindForStatus, retryAfterMs } from './errors.ts';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.ts';

export interface ResendOptions {
  apiKey: string;
  /** Sender, e.g. `Shop <hello@shop.example>`; the domain must be verified at Resend. */
  from: string;
  /** Only for tests and local fakes; the SDK otherwise talks to api.resend.com (or RESEND_BASE_URL). */
  baseUrl?: string;
  /** Resend's default limit is 2 requests per second per team. */
  ratePerSecond?: number;
}

/**
 * E-mail through Resend. The journey-derived idempotency key goes in the Idempotency-Key header, so
 * Resend itself drops a repeat of the same message for 24 hours, whatever happened on our side.
 */
export class ResendSender implements ChannelSender {
  readonly provider = 'resend';
  readonly ratePerSecond: number;
  private readonly client: Resend;

  constructor(private readonly options: ResendOptions) {
    this.client = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
    this.ratePerSecond = options.ratePerSecond ?? 2;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    if (!message.html || !message.subject) throw new SendError('permanent', 'an e-mail needs a subject and an HTML part', { provider: this.provider });
    const headers: Record<string, string> = {};
    if (message.unsubscribeUrl) {
      // RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to this URL.
      headers['List-Unsubscribe'] = `<${message.unsubscribeUrl}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    const { data, error, headers: responseHeaders } = await this.client.emails.send(
      {
        from: this.options.from,
        to: [message.to],
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers,
        tags: [
          { name: 'dispatch_id', value: message.dispatchId },
          { name: 'content_type', value: message.contentType },
        ],
      },
      { idempotencyKey: message.idempotencyKey },
    );
    if (error) {
      const status = 'statusCode' in error ? (error.statusCode as number | null) : null;
      throw new SendError(classifyResendError(status, error.name, error.message), `Resend refused the message: ${error.name}: ${error.message}`, {
        provider: this.provider,
        status,
        code: error.name,
        retryAfterMs: retryAfterMs(responseHeaders?.['retry-after']),
      });
    }
    if (!data?.id) throw new SendError('retryable', 'Resend answered without a message id', { provider: this.provider });
    return { provider: this.provider, providerMessageId: data.id };
  }
}

/** Resend reports a malformed or undeliverable recipient as a validation error naming the `to` field. */
export function classifyResendError(status: number | null, name: string, message: string) {
  if (status === null && name === 'application_error') return 'retryable' as const;
  if ((status === 422 || status === 400) && name === 'validation_error' && /\bto\b/i.test(message)) return 'invalid_address' as const;
  // 409: the same key is still being processed (concurrent_idempotent_requests): retry later.
  if (name === 'invalid_idempotent_request') return 'permanent' as const;
  return kindForStatus(status);
}
