import { writeFile } from 'node:fs/promises';
import { overview } from '../dashboard/overview.ts';
import { parsePeriod } from '../dashboard/period.ts';
import { overviewReport, toCsv, toTable } from '../dashboard/report.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';

const HELP = `npm run report -- <shop-id> [--from <date>] [--to <date>] [--csv <file>]

Prints the dashboard's overview for a shop as a table: sends, delivery, open rate, click-through,
conversion of recipients and of traffic, revenue per recipient and discount per recovered cart, each
with its target where the shop has one. --csv also writes it as CSV ("-" writes CSV to stdout instead
of the table). The period defaults to the 30 days up to now.

Works on the database the configuration names: DATABASE_URL, or the embedded one in DATA_DIR
(stop a running "npm start" first: the embedded database belongs to one process at a time).`;

runCli(HELP, async (argv) => {
  const { positionals, values } = parseOptions(argv, { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'string' } });
  const [shopId] = positionals;
  if (!shopId) throw new UsageError('give the shop id, e.g. "npm run report -- demo-shop"');
  let period;
  try {
    period = parsePeriod({ from: values.from, to: values.to });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const database = await openDatabase();
  try {
    const data = await overview(database, shopId, period).catch((error: Error) => {
      throw /not found/.test(error.message) ? new UsageError(`no shop "${shopId}" in this database`) : error;
    });
    const rows = overviewReport(data);
    if (values.csv === '-') {
      process.stdout.write(toCsv(rows));
      return;
    }
    console.log(`overview of ${shopId}, ${data.from} to ${data.to} (${data.timezone})\n`);
    console.log(toTable(rows));
    if (values.csv) {
      await writeFile(values.csv, toCsv(rows));
      console.log(`\nwrote ${values.csv}`);
    }
  } finally {
    await database.close();
  }
});
