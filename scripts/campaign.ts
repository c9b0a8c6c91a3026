import { CampaignExistsError, campaignProgress, cancelCampaign, pauseCampaign, resumeCampaign, startCampaign } from '../journeys/campaign.ts';
import { connectTemporal, progressBar } from '../journeys/cli-support.ts';
import { parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { campaignWorkflowId } from '../workflows/ids.ts';
import type { CampaignProgress, CampaignTarget } from '../workflows/types.ts';

const HELP = `npm run campaign -- <command> --shop <shop-id> --id <campaign-id> [options] — clearance campaigns

Commands
  start    starts a campaign: picks its items, selects the customers whose profile shows interest in
           them and starts one clearance journey per customer, in batches at the shop's allowed rate
           target (at least one):
             --category <name>      items of a category
             --products <a,b,...>   named items
             --low-stock <n>        only items with stock at or below n
             --season <name>        only items whose "season" attribute matches
           --rate <per-minute>      fan-out rate, capped at the shop's settings.campaignRatePerMinute
           --wait                   stay and show progress until the fan-out is done
  status   prints the campaign's progress (--watch: a live progress bar until it ends)
  pause    stops starting journeys until resumed (journeys already started go on)
  resume   continues a paused campaign where it stopped
  cancel   stops the fan-out and cancels its running journeys (pending sends are skipped)
           [--reason <text>]

Connects to TEMPORAL_ADDRESS, or to the embedded Temporal that "npm start" runs.
Every campaign id can be used once per shop. In the Temporal UI: NbJourney = "clearance-campaign".`;

runCli(HELP, async (argv) => {
  const { positionals, values } = parseOptions(argv, {
    shop: { type: 'string' }, id: { type: 'string' }, category: { type: 'string' }, products: { type: 'string' },
    'low-stock': { type: 'string' }, season: { type: 'string' }, rate: { type: 'string' }, reason: { type: 'string', default: 'cancelled from the CLI' },
    wait: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false },
  });
  const [command] = positionals;
  if (!command || !['start', 'status', 'pause', 'resume', 'cancel'].includes(command)) throw new UsageError(`unknown command "${command ?? ''}": use start, status, pause, resume or cancel`);
  if (!values.shop || !values.id) throw new UsageError('--shop and --id are required (e.g. --shop my-shop --id summer-clearance)');
  try {
    campaignWorkflowId(values.shop, values.id);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const temporal = await connectTemporal();
  const { shop, id } = values;
  try {
    const client = temporal.client;
    if (command === 'start') {
      const target = parseTarget(values);
      const rate = values.rate === undefined ? undefined : Number(values.rate);
      if (rate !== undefined && !(rate > 0)) throw new UsageError('--rate must be a positive number of journeys per minute');
      try {
        const workflowId = await startCampaign({ temporal: client, taskQueue: temporal.config.TEMPORAL_TASK_QUEUE, timeScale: temporal.config.JOURNEY_TIME_SCALE },
          { shopId: shop, campaignId: id, target, ...(rate ? { ratePerMinute: rate } : {}) });
        console.log(`started campaign ${workflowId}`);
      } catch (error) {
        if (error instanceof CampaignExistsError) throw new UsageError(error.message);
        throw error;
      }
      if (values.wait) await watch(() => campaignProgress(client, shop, id));
      return;
    }
    if (command === 'status') {
      if (values.watch) await watch(() => campaignProgress(client, shop, id));
      else print(await campaignProgress(client, shop, id));
      return;
    }
    if (command === 'pause') await pauseCampaign(client, shop, id);
    if (command === 'resume') await resumeCampaign(client, shop, id);
    if (command === 'cancel') {
      const bars: ReturnType<typeof progressBar>[] = [];
      const n = await cancelCampaign(client, shop, id, values.reason!, (done, total) => {
        if (bars.length === 0) bars.push(progressBar('cancelling journeys', total));
        bars[0]!.update(done);
      });
      bars[0]?.end();
      console.log(`cancelled campaign ${id} and ${n} running journey(s)`);
      return;
    }
    print(await campaignProgress(client, shop, id));
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') throw new UsageError(`no campaign "${id}" in shop "${shop}"; check --shop and --id`);
    throw error;
  } finally {
    await temporal.close();
  }
});

function parseTarget(values: { category?: string; products?: string; 'low-stock'?: string; season?: string }): CampaignTarget {
  const target: CampaignTarget = {};
  if (values.category) target.category = values.category;
  if (values.products) target.productIds = values.products.split(',').map((p) => p.trim()).filter(Boolean);
  if (values['low-stock'] !== undefined) {
    const n = Number(values['low-stock']);
    if (!Number.isInteger(n) || n < 0) throw new UsageError('--low-stock must be a whole number of items, e.g. 5');
    target.lowStockAtMost = n;
  }
  if (values.season) target.season = values.season;
  if (Object.keys(target).length === 0) throw new UsageError('name the items: --category, --products, --low-stock or --season');
  return target;
}

function print(p: CampaignProgress): void {
  console.log(`campaign ${p.campaignId}: ${p.state}; ${p.started}/${p.audienceTotal} journeys started` +
    `${p.duplicates ? ` (${p.duplicates} already had one)` : ''}; ${p.batches} batches at ${p.ratePerMinute}/min; run ${p.runs}` +
    `${p.nextBatchAt ? `; next batch ${p.nextBatchAt}` : ''}`);
}

async function watch(read: () => Promise<CampaignProgress>): Promise<void> {
  let p = await read();
  const bar = progressBar('fan-out', p.audienceTotal);
  for (;;) {
    bar.update(p.started + p.duplicates, p.state);
    if (p.state === 'done' || p.state === 'cancelled') break;
    await new Promise((r) => setTimeout(r, 1000));
    // A continue-as-new between reads is invisible here: the handle follows the latest run.
    p = await read().catch(() => p);
  }
  bar.end();
  print(p);
}
