import { createHash, createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { audienceMembers, suppressions } from '../db/schema-channels.ts';
import { consents, contacts, customers } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';

// Paid-social audiences: customers of a segment uploaded to ad platforms as normalised, SHA-256
// hashed e-mail and phone identifiers, in each platform's format, with only the changes since the
// last upload (adds and removes).

export type AdPlatform = 'meta' | 'google';

/** Lower-cased, trimmed; Google also drops dots before the @ of gmail.com / googlemail.com addresses. */
export function normaliseEmailFor(platform: AdPlatform, email: string): string {
  const e = email.trim().toLowerCase();
  if (platform !== 'google') return e;
  const [local, domain] = e.split('@');
  return domain === 'gmail.com' || domain === 'googlemail.com' ? `${local!.replace(/\./g, '')}@${domain}` : e;
}

/** E.164 with the plus for Google; digits with the country code and no plus for Meta. */
export function normalisePhoneFor(platform: AdPlatform, phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  return platform === 'google' ? `+${digits}` : digits;
}

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

export interface HashedIdentifiers {
  email?: string;
  phone?: string;
}

export interface AudienceChange {
  audience: string;
  platform: AdPlatform;
  adds: HashedIdentifiers[];
  removes: HashedIdentifiers[];
}

/** Where audience changes go: files for manual upload, a webhook, or a platform API client. */
export interface AudienceAdapter {
  push(change: AudienceChange): Promise<string[]>;
}

/**
 * Writes the changes in the formats the platforms accept: Meta's custom-audience users payload
 * (schema EMAIL_SHA256 / PHONE_SHA256, rows of hashes) and Google Customer Match CSV (Email, Phone).
 */
export class FileAudienceAdapter implements AudienceAdapter {
  constructor(
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async push(change: AudienceChange): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const files: string[] = [];
    for (const [kind, rows] of [['add', change.adds], ['remove', change.removes]] as const) {
      if (rows.length === 0) continue;
      const base = join(this.dir, `${change.audience.replace(/[^\w-]+/g, '_')}-${stamp}-${kind}`);
      if (change.platform === 'meta') {
        const payload = { payload: { schema: ['EMAIL_SHA256', 'PHONE_SHA256'], data: rows.map((r) => [r.email ?? '', r.phone ?? '']) } };
        await writeFile(`${base}.json`, `${JSON.stringify(payload)}\n`);
        files.push(`${base}.json`);
      } else {
        const csv = ['Email,Phone', ...rows.map((r) => `${r.email ?? ''},${r.phone ?? ''}`)].join('\n');
        await writeFile(`${base}.csv`, `${csv}\n`);
        files.push(`${base}.csv`);
      }
    }
    return files;
  }
}

/** POSTs the change as JSON, signed with HMAC-SHA256 of the body in X-Nextbest-Signature. */
export class WebhookAudienceAdapter implements AudienceAdapter {
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  async push(change: AudienceChange): Promise<string[]> {
    return [await postSigned(this.url, this.secret, { type: 'audience.changed', ...change })];
  }
}

export async function postSigned(url: string, secret: string, body: unknown): Promise<string> {
  const raw = JSON.stringify(body);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-nextbest-signature': createHmac('sha256', secret).update(raw).digest('hex') },
    body: raw,
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return url;
}

export interface SyncRequest {
  shopId: string;
  /** Audience name as the ad platform knows it, e.g. "lapsed-customers". */
  segment: string;
  /** Lifecycle stages in the segment. */
  stages: string[];
  platform: AdPlatform;
}

/**
 * Uploads the segment's changes since the last sync. Only customers with e-mail marketing consent and
 * an address that is not suppressed are included. Membership is recorded only after the adapter
 * succeeded, so a failed upload is sent again whole next time.
 */
export async function syncAudience(db: Db, cipher: PiiCipher, request: SyncRequest, adapter: AudienceAdapter): Promise<{ adds: number; removes: number; files: string[] }> {
  const audience = `${request.segment}:${request.platform}`;
  const current = await segmentMembers(db, cipher, request);
  const stored = await db.select().from(audienceMembers).where(and(eq(audienceMembers.shopId, request.shopId), eq(audienceMembers.audience, audience)));
  const storedIds = new Set(stored.map((m) => m.customerId));
  const adds = [...current].filter(([id]) => !storedIds.has(id));
  const removes = stored.filter((m) => !current.has(m.customerId));
  if (adds.length === 0 && removes.length === 0) return { adds: 0, removes: 0, files: [] };
  const files = await adapter.push({
    audience, platform: request.platform,
    adds: adds.map(([, ids]) => ids),
    removes: removes.map((m) => JSON.parse(cipher.decrypt(m.identifiersEnc)) as HashedIdentifiers),
  });
  await db.transaction(async (tx) => {
    if (adds.length) {
      await tx.insert(audienceMembers).values(adds.map(([customerId, ids]) => ({ shopId: request.shopId, audience, customerId, identifiersEnc: cipher.encrypt(JSON.stringify(ids)) }))).onConflictDoNothing();
    }
    if (removes.length) {
      await tx.delete(audienceMembers).where(and(eq(audienceMembers.shopId, request.shopId), eq(audienceMembers.audience, audience), inArray(audienceMembers.customerId, removes.map((m) => m.customerId))));
    }
  });
  return { adds: adds.length, removes: removes.length, files };
}

async function segmentMembers(db: Db, cipher: PiiCipher, request: SyncRequest): Promise<Map<string, HashedIdentifiers>> {
  const rows = await db
    .select({ customerId: customers.id, emailEnc: contacts.emailEnc, emailHash: contacts.emailHash, phoneEnc: contacts.phoneEnc })
    .from(customers)
    .innerJoin(contacts, eq(contacts.customerId, customers.id))
    .where(and(eq(customers.shopId, request.shopId), inArray(customers.stage, request.stages)));
  const ids = rows.map((r) => r.customerId);
  const consentRows = ids.length
    ? await db.select().from(consents).where(and(eq(consents.shopId, request.shopId), eq(consents.channel, 'email'), inArray(consents.customerId, ids))).orderBy(desc(consents.recordedAt), desc(consents.id))
    : [];
  const consent = new Map<string, boolean>();
  for (const c of consentRows) if (!consent.has(c.customerId)) consent.set(c.customerId, c.granted);
  const suppressed = new Set(
    (await db.select({ hash: suppressions.addressHash }).from(suppressions).where(and(eq(suppressions.shopId, request.shopId), eq(suppressions.channel, 'email')))).map((s) => s.hash),
  );
  const members = new Map<string, HashedIdentifiers>();
  for (const r of rows) {
    if (consent.get(r.customerId) !== true || !r.emailEnc || (r.emailHash && suppressed.has(r.emailHash))) continue;
    const ids: HashedIdentifiers = { email: sha256(normaliseEmailFor(request.platform, cipher.decrypt(r.emailEnc))) };
    if (r.phoneEnc) ids.phone = sha256(normalisePhoneFor(request.platform, cipher.decrypt(r.phoneEnc)));
    members.set(r.customerId, ids);
  }
  return members;
}
