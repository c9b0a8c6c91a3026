import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PiiCipher } from '../lib/pii.ts';
import type { Channel } from '../workflows/types.ts';

// Click and unsubscribe links carry a signed token naming the dispatch they came from, so a click
// is credited to the right message and an unsubscribe cannot be forged for someone else.

export type LinkToken = { kind: 'click'; dispatchId: string; url: string } | { kind: 'unsubscribe'; dispatchId: string; channel: Channel };

const MAC_BYTES = 16;

export class LinkSigner {
  private readonly secret: Buffer;
  constructor(
    secret: string,
    readonly baseUrl: string,
  ) {
    if (secret.length < 32) throw new Error('link signing secret must be at least 32 characters');
    this.secret = Buffer.from(secret, 'utf8');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  sign(token: LinkToken): string {
    const body = Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The token's content, or null when it was not signed by us or was altered. */
  verify(signed: string): LinkToken | null {
    const [body, mac] = signed.split('.');
    if (!body || !mac) return null;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const token = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkToken;
      return token.kind === 'click' || token.kind === 'unsubscribe' ? token : null;
    } catch {
      return null;
    }
  }

  clickUrl(dispatchId: string, url: string): string {
    return `${this.baseUrl}/l/c?t=${this.sign({ kind: 'click', dispatchId, url })}`;
  }

  unsubscribeUrl(dispatchId: string, channel: Channel): string {
    return `${this.baseUrl}/l/u?t=${this.sign({ kind: 'unsubscribe', dispatchId, channel })}`;
  }

  /** The token of one of our link URLs, verified; null for anything else. */
  verifyUrl(url: string): LinkToken | null {
    try {
      const parsed = new URL(url);
      return parsed.origin + parsed.pathname.replace(/\/(c|u)$/, '') === `${this.baseUrl}/l` ? this.verify(parsed.searchParams.get('t') ?? '') : null;
    } catch {
      return null;
    }
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_BYTES);
  }
}

/**
 * LINK_SIGNING_SECRET when set; otherwise a secret derived from the PII key, so an embedded install
 * signs links without more setup and its links survive a restart.
 */
export function linkSecret(configured: string | undefined, cipher: PiiCipher): string {
  return configured ?? cipher.lookupHash('nextbest:link-signing-secret');
}
