import type { Channel } from '../workflows/types.ts';

export interface RenderedMessage {
  channel: Channel;
  contentType: string;
  subject: string | null;
  text: string;
  html: string | null;
  /** Where the message's main action leads (signed click link), for push and in-app. */
  url?: string | null;
  /** Signed one-click unsubscribe link (RFC 8058), for e-mail headers. */
  unsubscribeUrl?: string | null;
  /** Variables for a provider-side template (WhatsApp outside the 24-hour window), by position. */
  templateVariables?: Record<string, string>;
}

export interface OutgoingMessage extends RenderedMessage {
  shopId: string;
  customerId: string;
  dispatchId: string;
  /** Same key on every retry of the same journey step: providers use it to drop duplicates. */
  idempotencyKey: string;
  /** Decrypted address (e-mail, E.164 phone, or a push subscription as JSON), held only in memory. */
  to: string;
  /** WhatsApp: whether the customer wrote to us in the last 24 hours (free-form allowed). */
  serviceWindowOpen?: boolean;
  /** WhatsApp: the approved content template for this content type, if the shop has one. */
  templateSid?: string | null;
}

export interface SendResult {
  provider: string;
  providerMessageId: string;
}

/** A way of reaching a customer. `send` must be safe to call again with the same idempotency key. */
export interface ChannelSender {
  readonly provider: string;
  /** Requests per second the provider allows a shop; the dispatch throttle keeps under it. */
  readonly ratePerSecond?: number;
  send(message: OutgoingMessage): Promise<SendResult>;
  /**
   * For providers without idempotency keys: the message an earlier, interrupted attempt may already
   * have sent (looked up at the provider), so a retry adopts it instead of sending again.
   */
  findEarlierSend?(message: OutgoingMessage, attemptStartedAt: Date): Promise<SendResult | null>;
}

export type ChannelSenders = Partial<Record<Channel, ChannelSender>>;
