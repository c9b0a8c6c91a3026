import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

/**
 * The PII encryption key: from PII_ENCRYPTION_KEY, or in embedded mode a key generated once and kept
 * in the data folder (so a restarted embedded app can still read its contacts).
 */
export function piiKey(config: Pick<Config, 'PII_ENCRYPTION_KEY' | 'DATA_DIR' | 'embedded'>): string {
  if (config.PII_ENCRYPTION_KEY) return config.PII_ENCRYPTION_KEY;
  if (!config.embedded) {
    throw new Error('PII_ENCRYPTION_KEY: required when DATABASE_URL or TEMPORAL_ADDRESS is set (64 hex characters, e.g. `openssl rand -hex 32`)');
  }
  const file = join(config.DATA_DIR, 'pii.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.DATA_DIR, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
