import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.ts';

/** Masks an address for the outbox's metadata: enough to tell messages apart, not to contact anyone. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  return address.length > 4 ? `${'*'.repeat(address.length - 4)}${address.slice(-4)}` : '****';
}

/**
 * The embedded default: with no provider configured every message is written to a local folder as
 * HTML, text and a JSON envelope that a person can open. Writing the same dispatch again overwrites
 * the same files, so a retried send leaves one message.
 */
export class OutboxSender implements ChannelSender {
  readonly provider = 'outbox';
  constructor(private readonly dir: string) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    const folder = join(this.dir, message.shopId);
    await mkdir(folder, { recursive: true });
    const base = join(folder, message.dispatchId);
    const envelope = {
      dispatchId: message.dispatchId,
      idempotencyKey: message.idempotencyKey,
      customerId: message.customerId,
      channel: message.channel,
      contentType: message.contentType,
      to: maskAddress(message.to),
      subject: message.subject,
      writtenAt: new Date().toISOString(),
    };
    await writeFile(`${base}.txt`, message.text);
    if (message.html) await writeFile(`${base}.html`, message.html);
    await writeFile(`${base}.json`, `${JSON.stringify(envelope, null, 2)}\n`);
    return { provider: this.provider, providerMessageId: `outbox:${message.dispatchId}` };
  }
}
