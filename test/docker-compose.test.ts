import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../lib/config.ts';

// No Docker engine runs here, so the production topology is checked by reading it.
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, unknown>; depends_on?: Record<string, unknown>; volumes?: string[] }>;
};

describe('docker-compose.yml', () => {
  it('describes Postgres, Temporal on Postgres, the Temporal UI, the journey worker, the ingest worker and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'ingest-worker', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    expect(compose.services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(compose.services['temporal-ui']?.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('runs the workers and the API as separate processes on the npm scripts that exist', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(compose.services.worker?.command).toEqual(['npm', 'run', 'worker']);
    expect(compose.services['ingest-worker']?.command).toEqual(['npm', 'run', 'ingest-worker']);
    expect(compose.services.api?.command).toEqual(['npm', 'run', 'api']);
    expect(scripts.worker).toBeDefined();
    expect(scripts['ingest-worker']).toBeDefined();
    expect(scripts.api).toBeDefined();
    expect(existsSync(new URL('../Dockerfile', import.meta.url))).toBe(true);
    for (const volume of compose.services.postgres?.volumes ?? []) {
      const local = volume.split(':')[0]!;
      if (local.startsWith('./')) expect(existsSync(new URL(`../${local.slice(2)}`, import.meta.url))).toBe(true);
    }
  });

  it('gives the workers and the API a configuration our parser accepts, in production mode', () => {
    for (const name of ['worker', 'ingest-worker', 'api']) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name]?.environment ?? {}).map(([k, v]) => [
          k,
          // Compose interpolation with a required value: substitute a valid example.
          String(v).startsWith('${PII_ENCRYPTION_KEY') ? 'ab'.repeat(32) : String(v).startsWith('${LINK_SIGNING_SECRET') ? 'x'.repeat(40) : String(v).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1'),
        ]),
      );
      const config = parseConfig(env);
      expect(config.embedded).toBe(false);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      for (const dep of ['postgres', 'temporal']) expect(compose.services[name]?.depends_on).toHaveProperty(dep);
      // The API only accepts: the ingest worker stores what it queues.
      if (name === 'api') expect(config.INGEST_PROCESSING).toBe('separate');
    }
  });
});
