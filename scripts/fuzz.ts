import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/db.ts';
import { fuzzOk, runFuzz } from '../reliability/fuzz/run.ts';

const HELP = `npm run fuzz — hostile and broken input against every ingest adapter, the public API, the Resend and
Twilio webhooks and the signed click / unsubscribe links.

Random, truncated, wrongly typed, oversized, deeply nested, wrong-encoding and injection payloads
(fast-check). Adapters must answer without throwing; the API must answer below 500 and keep every
refused payload with its reason. Webhook deliveries are sent correctly signed (so the handler's parsing
is reached) and unsigned, wrongly signed, stale or replayed; a refusal (4xx, or a replay acknowledged
200) must be kept with its reason. Link tokens are random, truncated or bit-flipped valid tokens, and
validly signed tokens with hostile content: answered below 500 (a refusal is a 400 / 410 page, nothing
to keep) and never redirected anywhere but http(s). Uses a fresh database on DATABASE_URL when set, else in-memory PGlite.
The last line is machine-readable:
  fuzz cases=N adapter=N api=N webhook=N link=N http500=0 crashes=0 refused=N kept=N kept_without_reason=0 seed=N ok=true

options:
  --adapter-cases N  cases thrown at the adapters directly (default 80000)
  --api-cases N      HTTP requests to the API (default 30000)
  --webhook-cases N  Resend and Twilio webhook deliveries, half each (default 10000)
  --link-cases N     click and unsubscribe link requests (default 6000)
  --seed N           fast-check seed (default: random, printed)`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: {
    'adapter-cases': { type: 'string', default: '80000' }, 'api-cases': { type: 'string', default: '30000' },
    'webhook-cases': { type: 'string', default: '10000' }, 'link-cases': { type: 'string', default: '6000' }, seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const adapterCases = Number(values['adapter-cases']);
  const apiCases = Number(values['api-cases']);
  const webhookCases = Number(values['webhook-cases']);
  const linkCases = Number(values['link-cases']);
  if (![seed, adapterCases, apiCases, webhookCases, linkCases].every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error('--adapter-cases, --api-cases, --webhook-cases, --link-cases and --seed take whole numbers');
  }
  const started = Date.now();
  console.log(`fuzz: seed ${seed}; ${adapterCases} adapter cases, ${apiCases} API cases, ${webhookCases} webhook cases, ${linkCases} link cases on ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}`);
  const database = await createTestDatabase();
  try {
    const report = await runFuzz({ adapterCases, apiCases, webhookCases, linkCases, seed, database, progress: (line) => console.log(line) });
    console.log(`fuzz: API answers ${Object.entries(report.byStatus).sort().map(([k, v]) => `${k}:${v}`).join(' ')}`);
    for (const failure of report.failures) console.log(`fuzz: FAIL ${failure}`);
    console.log(`fuzz: took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(`fuzz cases=${report.cases} adapter=${report.adapterCases} api=${report.apiCases} webhook=${report.webhookCases} link=${report.linkCases} http500=${report.server500s} crashes=${report.crashes} `
      + `refused=${report.refused} kept=${report.kept} kept_without_reason=${report.keptWithoutReason} seed=${seed} ok=${fuzzOk(report)}`);
    return fuzzOk(report) ? 0 : 1;
  } finally {
    await database.close();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`fuzz failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
