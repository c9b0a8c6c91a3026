import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PiiCipher } from '../lib/pii.ts';
import type { Channel } from '../workflows/types.ts';

// Click and unsubscribe links carry a signed token naming the dispatch they came from, so a click
// is credited to the right message and an unsubscribe cannot be forged for someone else. Tokens carry
// the second they were issued (`iat`); the verifier bounds their age by kind (LINK_CLICK_TTL_DAYS,
// LINK_UNSUBSCRIBE_TTL_DAYS), so shortening a lifetime applies to links already sent.
//
// Tokens signed before `iat` existed ("legacy") are accepted deliberately, but only as long as the
// message they name was sent within the same lifetime: the caller checks that against the dispatch
// ledger (see `legacyWithin`). Unsubscribe links in mail already delivered keep working that long.

export type LinkToken = { kind: 'click'; dispatchId: string; url: string } | { kind: 'unsubscribe'; dispatchId: string; channel: Channel };
export type LinkKind = LinkToken['kind'];

export type LinkCheck =
  | { ok: true; token: LinkToken; issuedAt: Date | null }
  | { ok: false; reason: 'invalid' | 'expired'; kind?: LinkKind };

export interface LinkLifetimes {
  /** Days a click link keeps working (default 90). */
  clickTtlDays?: number;
  /** Days an unsubscribe link keeps working (default 365); bounded, never forever. */
  unsubscribeTtlDays?: number;
  /** The clock (tests). */
  now?: () => Date;
}

const MAC_BYTES = 16;
const LINK_CHANNELS: readonly string[] = ['email', 'sms', 'whatsapp', 'push', 'audience', 'adbid'] satisfies Channel[];
const DAY_MS = 86_400_000;
/** A token issued this far in the future (clock skew between processes) is still accepted. */
const FUTURE_SKEW_MS = 5 * 60_000;
export const DEFAULT_CLICK_TTL_DAYS = 90;
export const DEFAULT_UNSUBSCRIBE_TTL_DAYS = 365;

export class LinkSigner {
  private readonly secret: Buffer;
  private readonly ttlMs: Record<LinkKind, number>;
  private readonly now: () => Date;
  constructor(
    secret: string,
    readonly baseUrl: string,
    lifetimes: LinkLifetimes = {},
  ) {
    if (secret.length < 32) throw new Error('link signing secret must be at least 32 characters');
    this.secret = Buffer.from(secret, 'utf8');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const days = (value: number | undefined, fallback: number, name: string) => {
      const d = value ?? fallback;
      if (!Number.isFinite(d) || d <= 0) throw new Error(`${name} must be a positive number of days, got ${String(value)}`);
      return d * DAY_MS;
    };
    this.ttlMs = {
      click: days(lifetimes.clickTtlDays, DEFAULT_CLICK_TTL_DAYS, 'clickTtlDays'),
      unsubscribe: days(lifetimes.unsubscribeTtlDays, DEFAULT_UNSUBSCRIBE_TTL_DAYS, 'unsubscribeTtlDays'),
    };
    this.now = lifetimes.now ?? (() => new Date());
  }

  /** Signs a token stamped with the current second (or `issuedAt`). */
  sign(token: LinkToken, issuedAt: Date = this.now()): string {
    const body = Buffer.from(JSON.stringify({ ...token, iat: Math.floor(issuedAt.getTime() / 1000) }), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** Signs a token in the format used before tokens carried `iat` (tests of the legacy rule only). */
  signLegacy(token: LinkToken): string {
    const body = Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** Verifies signature and age: the token, or why it is refused (`expired` names its kind). */
  check(signed: string): LinkCheck {
    const invalid: LinkCheck = { ok: false, reason: 'invalid' };
    const [body, mac, extra] = signed.split('.');
    if (!body || !mac || extra !== undefined) return invalid;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return invalid;
    }
    const token = linkToken(parsed);
    if (!token) return invalid;
    const iat = (parsed as { iat?: unknown }).iat;
    if (iat === undefined) return { ok: true, token, issuedAt: null };
    if (typeof iat !== 'number' || !Number.isSafeInteger(iat)) return invalid;
    const issuedAt = new Date(iat * 1000);
    const now = this.now().getTime();
    if (issuedAt.getTime() > now + FUTURE_SKEW_MS) return invalid;
    if (now - issuedAt.getTime() > this.ttlMs[token.kind]) return { ok: false, reason: 'expired', kind: token.kind };
    return { ok: true, token, issuedAt };
  }

  /** The token's content, or null when it was not signed by us, was altered or has expired. */
  verify(signed: string): LinkToken | null {
    const checked = this.check(signed);
    return checked.ok ? checked.token : null;
  }

  /** Whether a legacy token (no `iat`) for a message sent at `sentAt` is still within its kind's lifetime. */
  legacyWithin(kind: LinkKind, sentAt: Date): boolean {
    return this.now().getTime() - sentAt.getTime() <= this.ttlMs[kind];
  }

  /** The lifetime of a kind of link, in whole days (for the expired page). */
  ttlDays(kind: LinkKind): number {
    return Math.round(this.ttlMs[kind] / DAY_MS);
  }

  /** `issuedAt`: the message's composition time, so a retried send renders the very same links. */
  clickUrl(dispatchId: string, url: string, issuedAt?: Date): string {
    return `${this.baseUrl}/l/c?t=${this.sign({ kind: 'click', dispatchId, url }, issuedAt)}`;
  }

  unsubscribeUrl(dispatchId: string, channel: Channel, issuedAt?: Date): string {
    return `${this.baseUrl}/l/u?t=${this.sign({ kind: 'unsubscribe', dispatchId, channel }, issuedAt)}`;
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

/** The token's fields, checked for shape (a signed body is ours, but old formats must not crash a route). */
function linkToken(value: unknown): LinkToken | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  // Postgres text cannot hold NUL (a signed dispatch id with one was a 500 on the look-up).
  if (typeof v.dispatchId !== 'string' || v.dispatchId.includes('\u0000') || v.dispatchId.length > 200) return null;
  if (v.kind === 'click' && typeof v.url === 'string' && !v.url.includes('\u0000')) return { kind: 'click', dispatchId: v.dispatchId, url: v.url };
  if (v.kind === 'unsubscribe' && typeof v.channel === 'string' && LINK_CHANNELS.includes(v.channel)) return { kind: 'unsubscribe', dispatchId: v.dispatchId, channel: v.channel as Channel };
  return null;
}

/**
 * LINK_SIGNING_SECRET when set; otherwise a secret derived from the PII key, so an embedded install
 * signs links without more setup and its links survive a restart.
 */
export function linkSecret(configured: string | undefined, cipher: PiiCipher): string {
  return configured ?? cipher.lookupHash('nextbest:link-signing-secret');
}
