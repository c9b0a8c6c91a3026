import { ConfigError, parseConfig } from '../lib/config.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';

const HELP = `npm start — runs nextbest until Ctrl-C: worker + HTTP API (+ Temporal UI when embedded).

Embedded (no DATABASE_URL / TEMPORAL_ADDRESS): starts the Temporal dev server with its UI on
TEMPORAL_UI_PORT (8233) and a PGlite database in DATA_DIR (./data). With both set, connects to them.
Ctrl-C or SIGTERM drains the worker and stops everything cleanly.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) return console.log(HELP);
  const config = parseConfig();
  const stack = await startStack(config, { worker: true, api: true, ingest: true });
  stopOnSignals(stack);
  console.log(`nextbest is running (${config.embedded ? 'embedded' : 'external services'})`);
  console.log(`  API          ${stack.apiUrl}   (health: /healthz, readiness: /readyz, metrics: /metrics)`);
  if (stack.temporalUiUrl) console.log(`  Temporal UI  ${stack.temporalUiUrl}   (search e.g. NbCustomer="cus_...")`);
  console.log(`  outbox       ${config.outboxDir}`);
  console.log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `nextbest failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
