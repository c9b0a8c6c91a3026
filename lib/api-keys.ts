import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { run } from '../ingest/sql-rows.ts';

export type Scope = 'ingest' | 'read' | 'admin';

export const hashKey = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Creates a key for a shop and returns the secret, which is shown once and stored only as a hash. */
export async function createApiKey(db: Db, shopId: string, scopes: Scope[], label?: string): Promise<string> {
  const id = `key_${randomBytes(6).toString('hex')}`;
  const secret = `nb_${randomBytes(24).toString('base64url')}`;
  await db.insert(apiKeys).values({ id, shopId, keyHash: hashKey(secret), scopes, label: label ?? null });
  return secret;
}

export interface Principal {
  shopId: string;
  scopes: Scope[];
  keyId: string;
}

export async function authenticateKey(db: Db, secret: string): Promise<Principal | null> {
  // Every authenticated request asks this: a named prepared statement (bind and execute only).
  const [row] = await run<{ id: string; shopId: string; scopes: Scope[] }>(db,
    sql`select id, shop_id as "shopId", scopes from api_keys where key_hash = ${hashKey(secret)} and revoked_at is null`);
  return row ? { shopId: row.shopId, scopes: row.scopes, keyId: row.id } : null;
}
