import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/db.ts';
import { fuzzOk, runFuzz } from '../reliability/fuzz/run.ts';

const HELP = `npm run fuzz — hostile and broken input against every ingest adapter and the public API.

Random, truncated, wrongly typed, oversized, deeply nested, wrong-encoding and injection payloads
(fast-check). Adapters must answer without throwing; the API must answer below 500 and keep every
refused payload with its reason. Uses a fresh database on DATABASE_URL when set, else in-memory PGlite.
The last line is machine-readable:  fuzz cases=N http500=0 crashes=0 refused=N kept=N

options:
  --adapter-cases N  cases thrown at the adapters directly (default 80000)
  --api-cases N      HTTP requests to the API (default 30000)
  --seed N           fast-check seed (default: random, printed)`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: {
    'adapter-cases': { type: 'string', default: '80000' }, 'api-cases': { type: 'string', default: '30000' }, seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const adapterCases = Number(values['adapter-cases']);
  const apiCases = Number(values['api-cases']);
  if (![seed, adapterCases, apiCases].every((n) => Number.isInteger(n) && n >= 0)) throw new Error('--adapter-cases, --api-cases and --seed take whole numbers');
  const started = Date.now();
  console.log(`fuzz: seed ${seed}; ${adapterCases} adapter cases, ${apiCases} API cases on ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}`);
  const database = await createTestDatabase();
  try {
    const report = await runFuzz({ adapterCases, apiCases, seed, database, progress: (line) => console.log(line) });
    console.log(`fuzz: API answers ${Object.entries(report.byStatus).sort().map(([k, v]) => `${k}:${v}`).join(' ')}`);
    for (const failure of report.failures) console.log(`fuzz: FAIL ${failure}`);
    console.log(`fuzz: took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(`fuzz cases=${report.cases} adapter=${report.adapterCases} api=${report.apiCases} http500=${report.server500s} crashes=${report.crashes} `
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
