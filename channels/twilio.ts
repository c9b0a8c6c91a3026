import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { SendError, kindForStatus } from './errors.ts';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.ts';

type TwilioClient = ReturnType<typeof twilio>;
type RequestOptions<T> = RequestClient.RequestOptions<T>;

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** SMS sender: an E.164 number or a Messaging Service SID (MG...). */
  smsFrom?: string | undefined;
  /** WhatsApp sender number (E.164), registered with Twilio. */
  whatsappFrom?: string | undefined;
  /** Absolute URL Twilio posts delivery status to (our /v1/webhooks/twilio/status). */
  statusCallbackUrl?: string | undefined;
  /** Sends every API call to this origin instead of *.twilio.com (local fakes only). */
  baseUrl?: string | undefined;
  ratePerSecond?: number;
}

export const E164 = /^\+[1-9]\d{6,14}$/;

/** Twilio's RequestClient, re-aimed at another origin: the SDK builds and signs requests as usual. */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super();
  }
  override request<T>(opts: RequestOptions<T>) {
    const uri = new URL(opts.uri);
    return super.request<T>({ ...opts, uri: `${this.origin}${uri.pathname}${uri.search}` });
  }
}

export function twilioClient(options: Pick<TwilioOptions, 'accountSid' | 'authToken' | 'baseUrl'>): TwilioClient {
  return twilio(options.accountSid, options.authToken, options.baseUrl ? { httpClient: new RedirectingRequestClient(new URL(options.baseUrl).origin) } : {});
}

/** Error codes that mean the recipient can never get this message on this channel. */
const ADDRESS_CODES = new Set([21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614, 63003, 63024]);

function sendErrorFrom(error: unknown): SendError {
  const e = error as { status?: number; code?: number; message?: string };
  if (typeof e.status !== 'number') return new SendError('retryable', `Twilio could not be reached: ${e.message ?? String(error)}`, { provider: 'twilio' });
  const kind = e.code !== undefined && ADDRESS_CODES.has(e.code) ? 'invalid_address' : e.code === 20429 ? 'retryable' : kindForStatus(e.status);
  return new SendError(kind, `Twilio refused the message: ${e.code ?? ''} ${e.message ?? ''}`.trim(), { provider: 'twilio', status: e.status, code: e.code ?? null });
}

abstract class TwilioSender implements ChannelSender {
  readonly provider = 'twilio';
  readonly ratePerSecond: number;
  protected readonly client: TwilioClient;

  constructor(protected readonly options: TwilioOptions) {
    this.client = twilioClient(options);
    this.ratePerSecond = options.ratePerSecond ?? 10;
  }

  abstract send(message: OutgoingMessage): Promise<SendResult>;
  protected abstract address(phone: string): string;
  protected abstract sender(): string;

  protected checkNumber(phone: string): void {
    if (!E164.test(phone)) throw new SendError('invalid_address', 'the phone number on file is not in E.164 form (+ and 7 to 15 digits)', { provider: this.provider });
  }

  protected async create(params: Parameters<TwilioClient['messages']['create']>[0]): Promise<SendResult> {
    try {
      const sent = await this.client.messages.create({ ...params, ...(this.options.statusCallbackUrl ? { statusCallback: this.options.statusCallbackUrl } : {}) });
      return { provider: this.provider, providerMessageId: sent.sid };
    } catch (error) {
      throw sendErrorFrom(error);
    }
  }

  /**
   * Twilio has no idempotency key for messages. After an interrupted attempt we look for a message to
   * the same number from our sender since that attempt started; finding one means it was sent.
   */
  async findEarlierSend(message: OutgoingMessage, attemptStartedAt: Date): Promise<SendResult | null> {
    const sender = this.sender();
    try {
      const recent = await this.client.messages.list({
        to: this.address(message.to),
        ...(sender.startsWith('MG') ? {} : { from: sender }),
        dateSentAfter: new Date(attemptStartedAt.getTime() - 60_000),
        limit: 50,
      });
      const match = recent.find((m) => m.direction !== 'inbound' && (message.templateSid && !message.serviceWindowOpen ? true : m.body === message.text));
      return match ? { provider: this.provider, providerMessageId: match.sid } : null;
    } catch (error) {
      throw sendErrorFrom(error);
    }
  }
}

export class TwilioSmsSender extends TwilioSender {
  protected address(phone: string) {
    return phone;
  }
  protected sender() {
    if (!this.options.smsFrom) throw new SendError('permanent', 'TWILIO_SMS_FROM is not set: no number to send SMS from', { provider: this.provider });
    return this.options.smsFrom;
  }
  async send(message: OutgoingMessage): Promise<SendResult> {
    this.checkNumber(message.to);
    const from = this.sender();
    return this.create({ to: message.to, body: message.text, ...(from.startsWith('MG') ? { messagingServiceSid: from } : { from }) });
  }
}

/**
 * WhatsApp through Twilio. Inside the 24-hour service window (the customer wrote to us) a free-form
 * message is allowed; outside it only a template WhatsApp has approved may be sent.
 */
export class TwilioWhatsAppSender extends TwilioSender {
  private readonly approvals = new Map<string, { approved: boolean; at: number }>();

  protected address(phone: string) {
    return `whatsapp:${phone}`;
  }
  protected sender() {
    if (!this.options.whatsappFrom) throw new SendError('permanent', 'TWILIO_WHATSAPP_FROM is not set: no WhatsApp sender', { provider: this.provider });
    return `whatsapp:${this.options.whatsappFrom}`;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    this.checkNumber(message.to);
    const base = { to: this.address(message.to), from: this.sender() };
    if (message.serviceWindowOpen) return this.create({ ...base, body: message.text });
    if (!message.templateSid) {
      throw new SendError('permanent', `outside the 24-hour window WhatsApp needs an approved template, and none is set for ${message.contentType}`, { provider: this.provider });
    }
    if (!(await this.isApproved(message.templateSid))) {
      throw new SendError('permanent', `WhatsApp template ${message.templateSid} is not approved`, { provider: this.provider });
    }
    return this.create({ ...base, contentSid: message.templateSid, contentVariables: JSON.stringify(message.templateVariables ?? {}) });
  }

  private async isApproved(contentSid: string): Promise<boolean> {
    const cached = this.approvals.get(contentSid);
    if (cached && Date.now() - cached.at < 10 * 60_000) return cached.approved;
    try {
      const approval = await this.client.content.v1.contents(contentSid).approvalFetch().fetch();
      const approved = (approval.whatsapp as { status?: string } | undefined)?.status === 'approved';
      this.approvals.set(contentSid, { approved, at: Date.now() });
      return approved;
    } catch (error) {
      throw sendErrorFrom(error);
    }
  }
}
