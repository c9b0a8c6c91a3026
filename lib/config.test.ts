import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('configuration', () => {
  it('runs embedded on the defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ embedded: true, API_PORT: 3000, TEMPORAL_UI_PORT: 8233, JOURNEY_TIME_SCALE: 1, outboxDir: './data/outbox' });
  });

  it('connects to external services when both are given', () => {
    const config = parseConfig({ DATABASE_URL: 'postgres://u@db:5432/x', TEMPORAL_ADDRESS: 'temporal:7233', API_PORT: '8080' });
    expect(config).toMatchObject({ embedded: false, API_PORT: 8080 });
  });

  it('names each wrong variable, what it expects and what it got', () => {
    let error: unknown;
    try {
      parseConfig({ API_PORT: 'eighty', DATABASE_URL: 'mysql://x', JOURNEY_TIME_SCALE: '0', PII_ENCRYPTION_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/API_PORT: .*\(got "eighty"\)/);
    expect(message).toMatch(/DATABASE_URL: a postgres:\/\/ or postgresql:\/\/ connection URL \(got "mysql:\/\/x"\)/);
    expect(message).toMatch(/JOURNEY_TIME_SCALE: a positive number/);
    expect(message).toMatch(/PII_ENCRYPTION_KEY: 64 hex characters/);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['API_PORT', 'DATABASE_URL', 'JOURNEY_TIME_SCALE', 'PII_ENCRYPTION_KEY']);
  });

  it('requires the PII key in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://a@b/c', TEMPORAL_ADDRESS: 't:7233' })).toThrow(/PII_ENCRYPTION_KEY: required in production/);
  });

  it('treats empty values as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ' }).embedded).toBe(true);
  });
});
