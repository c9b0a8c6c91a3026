import { parseArgs, type ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import { createDatabase, type Database } from '../db/client.ts';
import { ConfigError, parseConfig, type Config } from './config.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Runs a CLI command: `--help` prints the help, a usage or configuration error is printed as a
 * sentence a person can act on (exit 2), anything else with its message (exit 1).
 */
export function runCli(help: string, main: (argv: string[]) => Promise<void>): void {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    console.log(help);
    process.exit(argv.length === 0 ? 2 : 0);
  }
  main(argv).then(
    () => process.exit(0),
    (error: unknown) => {
      const usage = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      console.error(`${usage ? 'usage error' : 'error'}: ${(error as Error).message}${usage ? '\n(run with --help for usage)' : ''}`);
      process.exit(usage ? 2 : 1);
    },
  );
}

export function parseOptions<T extends ParseArgsConfig['options']>(argv: string[], options: T) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

/** The database the configuration names (Postgres, or the embedded PGlite folder), migrated. */
export async function openDatabase(config: Config = parseConfig()): Promise<Database> {
  const database = createDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL, max: 2 } : { dataDir: join(config.DATA_DIR, 'pglite') });
  await database.migrate();
  return database;
}
