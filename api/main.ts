import { ConfigError, parseConfig } from '../lib/config.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';

const HELP = `npm run api — the HTTP API alone, for production.

Needs TEMPORAL_ADDRESS and DATABASE_URL (and PII_ENCRYPTION_KEY). Listens on API_HOST:API_PORT;
runs the database migrations on start; stops cleanly on SIGTERM. With INGEST_PROCESSING=api (the
default) it also stores the events it queues and fires journey triggers; with INGEST_PROCESSING=separate
it only accepts, and npm run ingest-worker processes do that.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return console.log(HELP);
  const config = parseConfig();
  if (config.embedded) throw new ConfigError([{ variable: 'TEMPORAL_ADDRESS / DATABASE_URL', expected: 'both set for a separate API (or use npm start for the embedded stack)' }]);
  const stack = await startStack(config, { worker: false, api: true, ingest: config.INGEST_PROCESSING === 'api' });
  stopOnSignals(stack);
  stack.logger.info({ url: stack.apiUrl }, 'api listening');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `api failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
