import { readFile } from 'node:fs/promises';
import { experimentDefinition } from '../experiments/definition.ts';
import { experimentResults } from '../experiments/results.ts';
import { createExperiment, findExperiment, listExperiments, stopExperiment } from '../experiments/store.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';

const HELP = `npm run experiments -- <command> <shop-id> [...]

Commands
  create <shop-id> <definition.json>   creates a running experiment from a JSON definition ("-" reads stdin), e.g.
      { "name": "copy-test", "journeys": ["cart-abandon"], "holdoutShare": 0.1,
        "variants": [ { "key": "friendly", "weight": 1, "changes": { "copyStyle": "friendly" } },
                      { "key": "urgent",   "weight": 1, "changes": { "copyStyle": "urgent" } } ] }
      changes may set engine, copyStyle, channelPolicy and discountPolicy.
  list <shop-id>                       lists the shop's experiments
  results <shop-id> <id-or-name>       per arm: exposures, open / click / conversion, P(best), expected
                                       loss, lift over the holdout (always-valid interval), and advice
  stop <shop-id> <id-or-name>          stops assigning new customers

Works on the database the configuration names: DATABASE_URL, or the embedded one in DATA_DIR
(stop a running "npm start" first: the embedded database belongs to one process at a time).`;

const pct = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(digits)}%`);

runCli(HELP, async (argv) => {
  const { positionals } = parseOptions(argv, {});
  const [command, shopId, arg] = positionals;
  if (!command || !['create', 'list', 'results', 'stop'].includes(command)) throw new UsageError('command must be create, list, results or stop');
  if (!shopId) throw new UsageError('give the shop id after the command');
  const database = await openDatabase();
  try {
    const { db } = database;
    if (command === 'list') {
      for (const e of await listExperiments(db, shopId)) {
        console.log(`${e.id}\t${e.name}\t${e.status}\t${e.journeys.length ? e.journeys.join(',') : 'all journeys'}\tholdout ${pct(e.holdoutShare, 0)}\t${e.variants.map((v) => `${v.key}×${v.weight}`).join(' ')}`);
      }
      return;
    }
    if (!arg) throw new UsageError(command === 'create' ? 'give the definition file (or "-" for stdin)' : 'give the experiment id or name');
    if (command === 'create') {
      const text = arg === '-' ? await readStdin() : await readFile(arg, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the definition is not valid JSON: ${(error as Error).message}`);
      }
      const parsed = experimentDefinition.safeParse(json);
      if (!parsed.success) throw new UsageError(`the definition is wrong: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(definition)'}: ${i.message}`).join('; ')}`);
      const created = await createExperiment(db, shopId, parsed.data);
      console.log(`created experiment ${created.id} "${created.name}", running`);
      return;
    }
    const found = await findExperiment(db, shopId, arg);
    if (!found) throw new UsageError(`no experiment "${arg}" in shop ${shopId}`);
    if (command === 'stop') {
      await stopExperiment(db, shopId, found.id);
      console.log(`stopped ${found.id} "${found.name}"`);
      return;
    }
    const r = await experimentResults(database, found);
    console.log(`${found.name} (${found.status}), machine opens ${r.excludeMachineOpens ? 'excluded' : 'counted'}\n`);
    console.log(['arm', 'exposed', 'sent', 'open', 'click', 'converted', 'conversion', 'P(best)', 'exp. loss', 'lift [always-valid 95%]'].join('\t'));
    for (const a of r.arms) {
      const lift = a.lift ? `${pct(a.lift.absolute)} [${pct(a.lift.interval[0])}, ${pct(a.lift.interval[1])}] p=${a.lift.pValue.toPrecision(2)}` : '—';
      console.log([a.variant, a.exposed, a.sent, pct(a.open?.mean, 1), pct(a.click?.mean, 1), a.converted, pct(a.exposed ? a.converted / a.exposed : null), pct(a.probabilityBest, 1), pct(a.expectedLoss, 3), lift].join('\t'));
    }
    console.log(`\n${r.advice.stop ? 'stop' : 'keep running'}: ${r.advice.reason}`);
  } finally {
    await database.close();
  }
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
