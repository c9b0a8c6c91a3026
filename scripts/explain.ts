import { parseConfig } from '../lib/config.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { explainFromDb, type CustomerExplainView } from '../learning/explain.ts';

const HELP = `npm run explain -- <customer-key> [--json]

What nextbest believes about one customer and why: lifecycle stage and its reason, the channel
posteriors with 90 % intervals, the best send hour per channel in the customer's time zone, the
discount tier the learner would choose with every tier's expected margin, and the recent decisions
with their alternatives.

Reads the database the configuration names (DATABASE_URL, or the embedded one in DATA_DIR while
nextbest is stopped). With NEXTBEST_API_KEY set it asks the running API instead
(NEXTBEST_API_URL, default http://127.0.0.1:3000).`;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const money = (minor: number, currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);

function print(view: CustomerExplainView): void {
  const m = view.models;
  console.log(`customer ${view.customerId} (shop ${view.shopId}, time zone ${view.timezone})`);
  console.log(`\nstage: ${m.stage}\n  why: ${m.why}`);
  console.log('\nchannels (P(engage): mean [90 % interval], own evidence)');
  for (const c of m.channels) {
    console.log(`  ${c.channel.padEnd(9)} ${pct(c.mean).padStart(7)} [${pct(c.interval90[0])}, ${pct(c.interval90[1])}]  engaged ${c.engaged.toFixed(1)}, ignored ${c.ignored.toFixed(1)}${c.optedOut ? '  (opted out)' : ''}`);
  }
  console.log('\nsend time (best local hour of the week)');
  for (const s of m.sendTime) {
    const flat = Math.max(...s.curve) - Math.min(...s.curve) < 1e-12;
    const best = flat ? 'no preference yet: the earliest allowed time' : s.bestHourLabel;
    console.log(`  ${s.channel.padEnd(9)} ${best}  (own evidence ${s.ownEvidence.toFixed(1)})`);
  }
  console.log(`\ndiscount for a basket of ${money(view.basketValueMinor, view.currency)}: tier ${m.discount.chosenTier} %`);
  for (const a of m.discount.alternatives) {
    const margin = money(a.expectedMarginMinor, view.currency);
    console.log(`  ${String(a.tier).padStart(2)} %  P(convert | engaged) ${pct(a.conversionRate).padStart(7)}  expected margin ${margin}${a.allowed ? '' : '  (not allowed by the shop)'}`);
  }
  console.log('\nrecent decisions');
  if (view.recentDecisions.length === 0) console.log('  none yet');
  for (const d of view.recentDecisions) {
    const { action, channel, sendAt, discountTier, propensities } = d.decision as Record<string, unknown>;
    console.log(`  ${d.at}  ${d.workflowId} step ${d.step}: ${String(action)} ${channel ?? ''} at ${String(sendAt)} tier ${String(discountTier)} propensities ${JSON.stringify(propensities)}`);
  }
}

runCli(HELP, async (argv) => {
  const { positionals, values } = parseOptions(argv, { json: { type: 'boolean', default: false } });
  const customerId = positionals[0];
  if (!customerId) throw new UsageError('give the customer key (cus_…)');
  let view: CustomerExplainView | null;
  if (process.env.NEXTBEST_API_KEY) {
    const base = process.env.NEXTBEST_API_URL ?? 'http://127.0.0.1:3000';
    const response = await fetch(`${base}/v1/customers/${encodeURIComponent(customerId)}/explain`, { headers: { authorization: `Bearer ${process.env.NEXTBEST_API_KEY}` } });
    if (response.status === 404) view = null;
    else if (!response.ok) throw new Error(`the API answered ${response.status}: ${await response.text()}`);
    else view = (await response.json()) as CustomerExplainView;
  } else {
    const database = await openDatabase(parseConfig());
    try {
      view = await explainFromDb(database.db, customerId, new Date());
    } finally {
      await database.close();
    }
  }
  if (!view) throw new UsageError(`no customer ${customerId}`);
  if (values.json) console.log(JSON.stringify(view, null, 2));
  else print(view);
});
