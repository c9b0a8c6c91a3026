import type { Channel } from '../workflows/types.ts';

export interface RenderedMessage {
  channel: Channel;
  contentType: string;
  subject: string | null;
  text: string;
  html: string | null;
}

export interface OutgoingMessage extends RenderedMessage {
  shopId: string;
  customerId: string;
  dispatchId: string;
  /** Same key on every retry of the same journey step: providers use it to drop duplicates. */
  idempotencyKey: string;
  /** Decrypted address, held only in memory for the provider call. */
  to: string;
}

export interface SendResult {
  provider: string;
  providerMessageId: string;
}

/** A way of reaching a customer. `send` must be safe to call again with the same idempotency key. */
export interface ChannelSender {
  readonly provider: string;
  send(message: OutgoingMessage): Promise<SendResult>;
}
