import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFaults, type FaultOptions } from '../reliability/fault-run.ts';

const HELP = `npm run test:faults — the reliability suite on real processes of this machine.

Starts its own Postgres cluster (port chosen free), its own Temporal dev server (temp SQLite file),
the API and two workers as child processes, and local Resend and Twilio fakes. Then, while the
journeys run: SIGKILLs a worker repeatedly, stops and restarts the Temporal dev server, stops
Postgres for --outage seconds, and has the provider answer 429, 500 and late. Afterwards a burst of
--events events within one minute. Prints what it injected and the counts; the last line is

  faults journeys=N completed=N lost=0 duplicates=0 ...

and the exit code is 0 only when nothing was lost, sent twice, or answered with a 500.

options:
  --journeys N     journeys to run (default 1000)
  --events N       events in the burst (default 50000; 0 skips the burst)
  --shops N        shops the load is spread over (default 10)
  --outage S       seconds Postgres is down (default 30)
  --kill-every S   seconds between worker SIGKILLs (default 8)
  --max-minutes M  the whole run is abandoned (and reported as failed) after this long (default 25)
  --keep           keep the temp folder with the process logs`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      journeys: { type: 'string', default: '1000' }, events: { type: 'string', default: '50000' }, shops: { type: 'string', default: '10' },
      outage: { type: 'string', default: '30' }, 'kill-every': { type: 'string', default: '8' }, 'max-minutes': { type: 'string', default: '25' },
      keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const number = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: a number ≥ ${min} (got "${String(values[name])}")`);
    return n;
  };
  const options: FaultOptions = {
    journeys: number('journeys', 1), events: number('events', 0), shops: number('shops', 1), outageS: number('outage', 1),
    killEveryS: number('kill-every', 1), maxMinutes: number('max-minutes', 1),
    workDir: mkdtempSync(join(tmpdir(), 'nb-faults-')),
  };
  console.log(`faults: work folder ${options.workDir} (process logs)`);
  try {
    const report = await runFaults(options);
    console.log(report.summary);
    return report.ok ? 0 : 1;
  } finally {
    if (!values.keep) rmSync(options.workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`faults failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
