import { ConfigError, parseConfig } from '../lib/config.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';

const HELP = `npm run ingest-worker — ingest's back half alone, for production.

Needs TEMPORAL_ADDRESS and DATABASE_URL (and PII_ENCRYPTION_KEY). Stores the events the Segment
endpoints queued through the entry path (ingest/queue-processor.ts; one process at a time per shop,
in the order queued) and fires the journey triggers of stored events (journeys/outbox-dispatcher.ts).
Run it beside API processes started with INGEST_PROCESSING=separate, which then only accept; any number
of these may run. Stops cleanly on SIGTERM, finishing the batch in flight.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return console.log(HELP);
  const config = parseConfig();
  if (config.embedded) throw new ConfigError([{ variable: 'TEMPORAL_ADDRESS / DATABASE_URL', expected: 'both set for a separate ingest worker (or use npm start for the embedded stack)' }]);
  const stack = await startStack(config, { worker: false, api: false, ingest: true });
  stopOnSignals(stack);
  stack.logger.info('ingest worker running');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `ingest worker failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
