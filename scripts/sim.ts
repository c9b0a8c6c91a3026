// npm run sim -- --scenario <name> --seeds 20 --customers <n>
// Runs every policy on the same simulated customers for each seed, prints the table with 95 % intervals
// and the target checks, writes charts and an HTML report to data/sim/<scenario>/, and ends with one
// machine-readable line. See sim/README.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { charts, htmlReport } from '../sim/charts.ts';
import { summarize } from '../sim/experiment.ts';
import { runSeeds } from '../sim/parallel.ts';
import { calibrationLine, headline, machineLine, table, targetLines } from '../sim/report.ts';
import { scenarioByName, SCENARIOS } from '../sim/scenario.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'default' },
    seeds: { type: 'string', default: '20' },
    customers: { type: 'string' },
    'propensity-draws': { type: 'string', default: '50' },
    threads: { type: 'string' },
    out: { type: 'string', default: 'data/sim' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run sim -- [--scenario NAME] [--seeds N] [--customers N] [--propensity-draws N] [--threads N] [--out DIR]
scenarios: ${Object.values(SCENARIOS).map((s) => `\n  ${s.name.padEnd(18)} ${s.description}`).join('')}`);
  process.exit(0);
}

const positive = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number ≥ 0 (got "${text}")`);
    process.exit(2);
  }
  return n;
};

let scenario;
try {
  scenario = scenarioByName(values.scenario);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const customers = positive('customers', values.customers);
if (customers !== undefined) scenario = { ...scenario, customers };
const seedCount = positive('seeds', values.seeds) ?? 20;
const draws = positive('propensity-draws', values['propensity-draws']);
const threads = positive('threads', values.threads);
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);

console.log(`scenario ${scenario.name}: ${scenario.description}`);
console.log(`${scenario.customers} customers, ${scenario.historyWeeks} weeks of history then ${scenario.evalWeeks} measured, ${seedCount} seeds, propensity draws ${draws}`);
const started = Date.now();
const results = await runSeeds(scenario, seeds, { ...(draws !== undefined ? { propensityDraws: draws } : {}) }, threads, (r) =>
  process.stderr.write(`seed ${r.seed} done (${Math.round((Date.now() - started) / 1000)} s)\n`),
);
const summary = summarize(results);
const text = table(summary);
const h = headline(results, summary);
const targets = targetLines(h, scenario.heterogeneity > 0);
const carts = results.reduce((s, r) => s + r.tallies.holdout!.carts, 0);
const notes = [
  `${carts} measured carts over ${seedCount} seeds (${Math.round(carts / seedCount)} per seed); intervals are 95 % over seeds.`,
  'recovered: order within 7 days of the cart; over holdout: minus the holdout\'s rate on the same carts; vendor-counted: order within the 5-day attribution window after a send.',
  'open (no machine): opens by customers whose mail client does not open every message.',
  calibrationLine(summary),
  ...targets,
];
console.log(text);
for (const n of notes) console.log(n);

const dir = join(values.out, scenario.name);
mkdirSync(dir, { recursive: true });
const svgs = charts(summary, scenario.name);
for (const c of svgs) writeFileSync(join(dir, c.file), c.svg);
writeFileSync(join(dir, 'report.html'), htmlReport(`nextbest simulator — ${scenario.name}`, text, notes, svgs.map((c) => c.svg)));
writeFileSync(join(dir, 'results.json'), JSON.stringify({ scenario, seeds: results, summary, headline: h }, null, 1));
console.log(`charts and report: ${dir}/report.html (${Math.round((Date.now() - started) / 1000)} s)`);
console.log(machineLine(h));
