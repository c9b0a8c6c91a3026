import { ConfigError, parseConfig } from '../lib/config.ts';
import { ensureSearchAttributes } from '../runtime/search-attributes.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';

const HELP = `npm run worker — the journey worker alone, for production.

Needs TEMPORAL_ADDRESS and DATABASE_URL (and PII_ENCRYPTION_KEY). Registers nextbest's search
attributes on the namespace if missing, then polls TEMPORAL_TASK_QUEUE until SIGTERM, draining
running activities before it exits. Temporal SDK metrics on 127.0.0.1:WORKER_METRICS_PORT/metrics.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return console.log(HELP);
  const config = parseConfig();
  if (config.embedded) throw new ConfigError([{ variable: 'TEMPORAL_ADDRESS / DATABASE_URL', expected: 'both set for a separate worker (or use npm start for the embedded stack)' }]);
  const stack = await startStack(config, { worker: true, api: false, ingest: false });
  await ensureSearchAttributes(stack.temporal.connection, config.TEMPORAL_NAMESPACE);
  stopOnSignals(stack);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `worker failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
