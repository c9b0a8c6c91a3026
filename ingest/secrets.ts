import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { sourceSecrets } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';

export type WebhookSource = 'shopify' | 'woocommerce';

/** Stores (or replaces) the secret a platform signs a shop's webhooks with; encrypted at rest. */
export async function setSourceSecret(db: Db, cipher: PiiCipher, shopId: string, source: WebhookSource, secret: string, externalId?: string): Promise<void> {
  const values = { secretEnc: cipher.encrypt(secret), externalId: externalId ?? null };
  await db.insert(sourceSecrets).values({ shopId, source, ...values }).onConflictDoUpdate({ target: [sourceSecrets.shopId, sourceSecrets.source], set: values });
}

export async function sourceSecret(db: Db, cipher: PiiCipher, shopId: string, source: WebhookSource): Promise<string | null> {
  const [row] = await db.select({ secretEnc: sourceSecrets.secretEnc }).from(sourceSecrets).where(and(eq(sourceSecrets.shopId, shopId), eq(sourceSecrets.source, source)));
  return row ? cipher.decrypt(row.secretEnc) : null;
}
