import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { connectTemporal, journeyQuery, progressBar } from '../journeys/cli-support.ts';
import { parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { parseJourneyWorkflowId } from '../workflows/ids.ts';
import { cancelSignal, journeyStatusQuery } from '../workflows/signals.ts';

const HELP = `npm run journeys -- <command> [options] — find, inspect and cancel customer journeys

Commands
  list                 journeys, newest first; filters (any combination):
                         --journey <cart-abandon|browse-abandon|onboarding|cross-sell|clearance|win-back>
                         --shop <shop-id>  --customer <customer key>  --state <waiting|sleeping|awaiting-conversion|done...>
                         --running (only running ones)  --limit <n, default 50>
  show <workflow-id>   one journey: its state, next step and when, messages sent and skip reasons
  cancel <workflow-id> cancels one journey (a pending send is skipped with reason "cancelled")
  cancel --shop <shop-id> --customer <key> [--journey <name>]
                       cancels every running journey of a customer

Customers appear by their pseudonymous key (cus_...), never by e-mail or phone. The same filters work
in the Temporal UI, e.g. NbCustomer = "cus_123" AND NbState = "awaiting-conversion".
Connects to TEMPORAL_ADDRESS, or to the embedded Temporal that "npm start" runs.`;

runCli(HELP, async (argv) => {
  const { positionals, values } = parseOptions(argv, {
    journey: { type: 'string' }, shop: { type: 'string' }, customer: { type: 'string' }, state: { type: 'string' },
    running: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' }, reason: { type: 'string', default: 'cancelled from the CLI' },
  });
  const [command, workflowId] = positionals;
  if (!command || !['list', 'show', 'cancel'].includes(command)) throw new UsageError(`unknown command "${command ?? ''}": use list, show or cancel`);
  const temporal = await connectTemporal();
  try {
    const client = temporal.client;
    if (command === 'list') {
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
      const filters = { ...values, running: values.running };
      let n = 0;
      for await (const wf of client.workflow.list({ query: journeyQuery(filters), pageSize: Math.min(limit, 1000) })) {
        const attrs = wf.typedSearchAttributes;
        const get = (name: string) => String(attrs.getAll().find((p) => p.key.name === name)?.value ?? '-');
        console.log([wf.workflowId, wf.status.name, get('NbState'), get('NbChannel'), wf.startTime.toISOString()].join('\t'));
        if (++n >= limit) break;
      }
      if (n === 0) console.error('no journeys match these filters');
      return;
    }
    if (command === 'show') {
      if (!workflowId) throw new UsageError('give the workflow id, e.g. show cart-abandon:my-shop:cus_123:cart-9 (see "list")');
      await show(client, workflowId, temporal.config.TEMPORAL_UI_PORT);
      return;
    }
    const targets = workflowId ? [workflowId] : await customerJourneys(client, values);
    const bar = progressBar('cancelling', targets.length);
    let done = 0;
    for (const id of targets) {
      await client.workflow.getHandle(id).signal(cancelSignal, { version: 1, reason: values.reason! });
      bar.update(++done);
    }
    bar.end();
    console.log(`cancelled ${done} journey(s)`);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UsageError(`no running journey "${workflowId}"; find it with "list"`);
    throw error;
  } finally {
    await temporal.close();
  }
});

async function customerJourneys(client: Client, values: { shop?: string; customer?: string; journey?: string }): Promise<string[]> {
  if (!values.shop || !values.customer) throw new UsageError('give a workflow id, or --shop and --customer to cancel all of a customer\'s journeys');
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: journeyQuery({ ...values, running: true }) })) ids.push(wf.workflowId);
  return ids;
}

async function show(client: Client, workflowId: string, uiPort: number): Promise<void> {
  try {
    parseJourneyWorkflowId(workflowId);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; journey ids look like <journey>:<shop>:<customer>:<trigger>`);
  }
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status = await handle.query(journeyStatusQuery);
  console.log(`${workflowId}
  execution   ${description.status.name} since ${description.startTime.toISOString()}${description.closeTime ? `, closed ${description.closeTime.toISOString()}` : ''}
  state       ${status.state} (step ${status.step})
  next        ${status.nextStep ?? '-'}${status.nextStepAt ? ` at ${status.nextStepAt}` : ''}
  sent        ${status.sent.map((s) => `step ${s.step} ${s.channel} ${s.dispatchId}`).join('; ') || '-'}
  skipped     ${status.skipReasons.map((s) => `step ${s.step}: ${s.reason}`).join('; ') || '-'}
  converted   ${status.convertedOrderId ?? '-'}
  ui          http://127.0.0.1:${uiPort}/namespaces/${client.options.namespace}/workflows/${encodeURIComponent(workflowId)}`);
}
