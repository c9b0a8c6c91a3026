import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDatabase, type Db } from '../db/client.ts';
import { createLogger } from '../lib/logger.ts';
import { startDevServer, type DevServer } from '../runtime/dev-server.ts';
import { FakeTwilio } from '../test/fakes/twilio.ts';
import { pendingTriggers, runBurst } from './burst.ts';
import { FaultyResend } from './faulty-providers.ts';
import { countSends, journeyStatuses, makeCustomers, seedShops, startJourney, type FaultShop } from './journey-run.ts';
import { bump, pool, tallyText, type Tally } from './load.ts';
import { createPostgresCluster } from './postgres-cluster.ts';
import { describeStuck } from './stuck.ts';
import { freePort } from './ports.ts';
import { AppProcess } from './processes.ts';

export interface FaultOptions {
  journeys: number;
  events: number;
  shops: number;
  outageS: number;
  killEveryS: number;
  maxMinutes: number;
  workDir: string;
}

export interface FaultReport {
  ok: boolean;
  lines: string[];
  summary: string;
}

// One compressed day of a cart-abandon journey takes ~9 s: long enough that journeys are mid-sleep,
// mid-dispatch and mid-wait when the faults hit, short enough for a bounded run.
const TIME_SCALE = 0.0001;
const UNDELIVERABLE = 'bounce.faults.example';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The fault suite: real API and worker processes over our own Postgres cluster and Temporal dev
 * server, journeys driven through the HTTP API while processes are killed and dependencies stopped,
 * then everything counted from the ledger, the provider fakes and Temporal.
 */
export async function runFaults(options: FaultOptions): Promise<FaultReport> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  const hardDeadline = Date.now() + options.maxMinutes * 60_000;
  const run = randomBytes(3).toString('hex');
  const logger = createLogger('error');
  const cleanup: (() => Promise<void> | void)[] = [];
  const runCleanup = async () => {
    for (const step of cleanup.splice(0).reverse()) await Promise.resolve().then(step).catch((error: unknown) => console.error(`faults: cleanup: ${(error as Error).message}`));
  };
  // Interrupted or over time: stop every process this run started before exiting.
  const abort = (why: string) => () => {
    console.error(`faults: ${why}; stopping what this run started`);
    void runCleanup().finally(() => process.exit(1));
  };
  const onSignal = abort('interrupted');
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const overTime = setTimeout(abort(`over the ${options.maxMinutes}-minute limit`), options.maxMinutes * 60_000 + 60_000);
  try {
    const pgPort = await freePort();
    const cluster = createPostgresCluster(pgPort);
    cleanup.push(() => cluster.destroy());
    say(`faults: own Postgres on 127.0.0.1:${pgPort}`);

    const temporalPort = await freePort();
    const uiPort = await freePort();
    const temporalDir = join(options.workDir, 'temporal');
    let devServer: DevServer = await startDevServer({ dataDir: temporalDir, port: temporalPort, uiPort, namespace: 'default', logger });
    cleanup.push(() => devServer.stop());
    say(`faults: own Temporal dev server on ${devServer.address}, SQLite ${devServer.dbFile}`);

    const resend = await new FaultyResend({ rateLimited: 0.08, serverErrors: 0.05, timeouts: 0.01, timeoutMs: 65_000, undeliverableDomain: UNDELIVERABLE }, Math.random).start();
    const twilio = await new FakeTwilio().start();
    cleanup.push(() => resend.stop(), () => twilio.stop());

    const database = createDatabase({ url: cluster.url, max: 5 });
    cleanup.push(() => database.close());
    await database.migrate();
    const shops = await seedShops(database.db, options.shops, run);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: cluster.url, TEMPORAL_ADDRESS: devServer.address, TEMPORAL_TASK_QUEUE: `faults-${run}`,
      PII_ENCRYPTION_KEY: randomBytes(32).toString('hex'), LINK_SIGNING_SECRET: randomBytes(24).toString('hex'),
      JOURNEY_TIME_SCALE: String(TIME_SCALE), LOG_LEVEL: 'warn', PUBLIC_BASE_URL: apiUrl, API_HOST: '127.0.0.1', API_PORT: String(apiPort),
      RESEND_API_KEY: resend.apiKey, RESEND_FROM: 'Shop <hello@shop.example>', RESEND_BASE_URL: resend.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_SMS_FROM: '+15005550006', TWILIO_API_BASE_URL: twilio.url,
    };
    const api = new AppProcess('api', 'api/main.ts', { ...env, WORKER_METRICS_PORT: String(await freePort()) }, join(options.workDir, 'api.log'));
    const workers = [0, 1].map(async (i) => new AppProcess(`worker-${i}`, 'workers/main.ts', { ...env, WORKER_METRICS_PORT: String(await freePort()) }, join(options.workDir, `worker-${i}.log`)));
    const [w0, w1] = await Promise.all(workers);
    const procs = [api, w0!, w1!];
    cleanup.push(async () => {
      for (const p of procs) {
        await p.stop();
        p.close();
      }
    });
    for (const p of procs) p.start();
    await waitFor(async () => (await fetch(`${apiUrl}/healthz`).then((r) => r.ok, () => false)), 90_000, 'the API did not come up within 90 s');
    const temporal = new Client({ connection: await Connection.connect({ address: devServer.address }) });
    cleanup.push(() => temporal.connection.close());
    say(`faults: API ${apiUrl} (pid ${api.pid}), workers pids ${w0!.pid} ${w1!.pid}; ${options.shops} shops, run ${run}`);

    // ---- journeys under faults ----
    const customers = makeCustomers(shops, options.journeys, run, UNDELIVERABLE, 20);
    const answers: Tally = new Map();
    const outageAnswers: Tally = new Map();
    let outage = false;
    const journeysStarted = Date.now();
    const postingMs = Math.max(20_000, options.outageS * 1000 + 30_000);
    const posting = pool(customers, 16, async (c, i) => {
      const slot = journeysStarted + (i / customers.length) * postingMs;
      if (slot > Date.now()) await sleep(slot - Date.now());
      const tally: Tally = new Map();
      await startJourney(apiUrl, c, tally, hardDeadline);
      for (const [k, v] of tally) bump(outage ? outageAnswers : answers, k, v);
    });

    const injected: Tally = new Map();
    let chaos = true;
    // Like a process supervisor (systemd, Kubernetes): a process that exits on its own (a worker that
    // started while Postgres was down) is started again.
    const supervisor = setInterval(() => {
      for (const p of procs) if (!p.running && !p.killing) p.start();
    }, 2_000);
    cleanup.push(() => clearInterval(supervisor));
    const killer = (async () => {
      for (let n = 0; chaos; n++) {
        await sleep(options.killEveryS * 1000 * (0.6 + 0.8 * Math.random()));
        if (!chaos) break;
        const victim = procs[1 + (n % 2)]!;
        await victim.kill();
        bump(injected, 'worker_sigkill');
        await sleep(1000 + Math.random() * 2000);
        victim.start();
      }
    })();

    await sleep(8_000);
    say('faults: stopping the Temporal dev server');
    await devServer.stop();
    bump(injected, 'temporal_restart');
    await sleep(10_000);
    devServer = await startDevServer({ dataDir: temporalDir, port: temporalPort, uiPort, namespace: 'default', logger });
    say('faults: Temporal dev server restarted on the same SQLite file');

    await sleep(5_000);
    say(`faults: stopping Postgres for ${options.outageS} s`);
    await cluster.stop();
    outage = true;
    bump(injected, 'postgres_outage_s', options.outageS);
    const probe = probeDuringOutage(apiUrl, shops[0]!.apiKey, options.outageS * 1000, outageAnswers);
    await sleep(options.outageS * 1000);
    await cluster.start();
    outage = false;
    await probe;
    say('faults: Postgres is back');

    await posting;
    chaos = false;
    await killer;
    for (const p of procs) if (!p.running) p.start();
    // Provider timeouts stay on for the first 90 s of the drain (most e-mails go out then), then stop so the run can finish.
    const timeoutsOff = setTimeout(() => (resend.enabled = false), 90_000);
    cleanup.push(() => clearTimeout(timeoutsOff));
    say(`faults: all ${customers.length} journeys handed in ${((Date.now() - journeysStarted) / 1000).toFixed(0)} s; faults stopped (provider timeouts 90 s later), waiting for the journeys to finish`);

    const ids = customers.flatMap((c) => (c.workflowId ? [c.workflowId] : []));
    let statuses = new Map<string, string>();
    const waitStarted = Date.now();
    let lastProgress = Date.now();
    await waitFor(async () => {
      statuses = await journeyStatuses(temporal, ids);
      const now: Tally = new Map();
      for (const s of statuses.values()) bump(now, s);
      if (Date.now() - lastProgress >= 30_000) {
        lastProgress = Date.now();
        say(`faults: +${((Date.now() - waitStarted) / 1000).toFixed(0)} s: ${tallyText(now)}`);
      }
      return (now.get('RUNNING') ?? 0) === 0 && (now.get('ERROR') ?? 0) === 0;
    }, Math.max(30_000, hardDeadline - Date.now() - 5 * 60_000), 'journeys still running at the deadline', 5_000).catch((error: Error) => say(`faults: ${error.message}`));
    const byStatus: Tally = new Map();
    for (const s of statuses.values()) bump(byStatus, s);
    const unfinished = [...statuses.entries()].filter(([, s]) => s === 'RUNNING').map(([id]) => id);
    if (unfinished.length > 0) for (const line of (await describeStuck(temporal, unfinished)).lines) say(`faults: ${line}`);
    const completed = byStatus.get('COMPLETED') ?? 0;
    // Lost: handed in but Temporal has no journey, or it ended other than completed. Still running at
    // the deadline is not lost, but it is not a pass either.
    const stillRunning = byStatus.get('RUNNING') ?? 0;
    const lost = customers.length - completed - stillRunning;
    const sends = await countSends(database.db, customers, resend, twilio);
    const backlog = await pendingTriggers(database.db, shops);

    say(`faults: injected ${tallyText(injected)} worker_starts:${procs.slice(1).reduce((n, p) => n + p.starts, 0)}`);
    say(`faults: provider faults ${Object.entries(resend.injected).map(([k, v]) => `${k}:${v}`).join(' ')} (requests ${resend.requests.length} to Resend, ${twilio.requests.length} to Twilio)`);
    say(`faults: ingest answers ${tallyText(answers)}; during the outage ${tallyText(outageAnswers)}`);
    say(`faults: journeys ${customers.length} handed in, ${ids.length} with a workflow; Temporal ${tallyText(byStatus)}`);
    say(`faults: ledger sent ${sends.ledgerSent}, provider messages ${sends.providerMessages} (${sends.fallbacks} by SMS: fallbacks after an undeliverable e-mail, and journeys that chose SMS), duplicates ${sends.duplicates}, sends lost ${sends.lostSends}, triggers not fired ${backlog}`);
    const server500s = (answers.get('500') ?? 0) + (outageAnswers.get('500') ?? 0) + (outageAnswers.get('probe_500') ?? 0);
    const noRetryAfter = (answers.get('no_retry_after') ?? 0) + (outageAnswers.get('no_retry_after') ?? 0);
    const outage503s = (outageAnswers.get('503') ?? 0) + (outageAnswers.get('probe_503') ?? 0);

    const providerFaults = Object.entries(resend.injected).map(([k, v]) => `${k}:${v}`).join(' ');
    say(`faults: phase journeys: injected ${tallyText(injected)} provider ${providerFaults}; sent ${sends.ledgerSent}, duplicated ${sends.duplicates}, `
      + `lost ${lost} journeys and ${sends.lostSends} sends, ${stillRunning} still running, ${server500s} answered 500`);

    // ---- burst ----
    let burst = { offered: 0, accepted: 0, refused: 0, dropped: 0, stored: 0, duplicated: 0, statuses: new Map() as Tally, seconds: 0 };
    let burstBacklog = 0;
    if (options.events > 0) {
      say(`faults: burst of ${options.events} events within 60 s`);
      burst = await runBurst(apiUrl, database.db, shops, options.events, 60_000, run);
      burstBacklog = await drainTriggers(database.db, shops, hardDeadline, say);
      say(`faults: burst offered ${burst.offered} in ${burst.seconds.toFixed(1)} s: accepted ${burst.accepted}, refused ${burst.refused} (429/503 with Retry-After), dropped ${burst.dropped}; stored ${burst.stored}; answers ${tallyText(burst.statuses)}; triggers not fired ${burstBacklog}`);
    }
    const burstLost = burst.accepted - burst.stored;
    if (options.events > 0) {
      say(`faults: phase burst: injected ${burst.offered} events in ${burst.seconds.toFixed(0)} s; sent ${burst.offered}, accepted ${burst.accepted}, refused ${burst.refused}, `
        + `duplicated ${burst.duplicated}, lost ${Math.max(0, burstLost) + burst.dropped} (dropped ${burst.dropped}, accepted but not stored ${burstLost})`);
    }

    const ok = lost === 0 && stillRunning === 0 && sends.duplicates === 0 && sends.lostSends === 0 && server500s === 0 && noRetryAfter === 0 && backlog === 0
      && burst.dropped === 0 && burstLost === 0 && burst.duplicated === 0 && burstBacklog === 0 && (options.outageS < 10 || outage503s > 0);
    if (options.outageS >= 10 && outage503s === 0) say('faults: FAIL no 503 was seen while Postgres was down');
    // The last line, machine-readable: key=value pairs, the verdict last.
    const summary = `faults journeys=${customers.length} duplicates=${sends.duplicates + burst.duplicated} lost=${lost + Math.max(0, burstLost) + burst.dropped} `
      + `completed=${completed} running=${stillRunning} sends_lost=${sends.lostSends} sent=${sends.ledgerSent} sms=${sends.fallbacks} `
      + `http500=${server500s} outage503=${outage503s} worker_kills=${injected.get('worker_sigkill') ?? 0} temporal_restarts=${injected.get('temporal_restart') ?? 0} `
      + `postgres_outage_s=${injected.get('postgres_outage_s') ?? 0} provider_faults=${Object.values(resend.injected).reduce((n, v) => n + v, 0)} `
      + `burst=${burst.offered} accepted=${burst.accepted} refused=${burst.refused} dropped=${burst.dropped} burst_lost=${burstLost} triggers_pending=${backlog + burstBacklog} ok=${ok}`;
    return { ok, lines, summary };
  } finally {
    clearTimeout(overTime);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await runCleanup();
  }
}

/** While Postgres is down, new events keep arriving; each answer is tallied (503 expected, never 500). */
async function probeDuringOutage(apiUrl: string, apiKey: string, forMs: number, tally: Tally): Promise<void> {
  const until = Date.now() + forMs - 1000;
  for (let i = 0; Date.now() < until; i++) {
    const response = await fetch(`${apiUrl}/v1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'product_viewed', eventId: `probe-${Date.now()}-${i}`, occurredAt: new Date().toISOString(), customer: { userId: 'probe' }, productId: 'sku-tea' }),
      signal: AbortSignal.timeout(20_000),
    }).catch(() => null);
    bump(tally, `probe_${response?.status ?? 0}`);
    if (response?.status === 503 && !response.headers.get('retry-after')) bump(tally, 'no_retry_after');
    await sleep(1000);
  }
}

/**
 * Waits until every trigger the accepted events queued has fired. The outbox drains at whatever rate
 * Temporal and this machine allow, so the wait is not a fixed window: it ends when the backlog is
 * empty, when it has not shrunk for STALL_MS (a real stall: reported as pending), or at the run's hard
 * deadline. Prints the backlog and the drain rate every 30 s.
 */
async function drainTriggers(db: Db, shops: FaultShop[], hardDeadline: number, say: (line: string) => void): Promise<number> {
  const STALL_MS = 90_000;
  const started = Date.now();
  let backlog = await pendingTriggers(db, shops);
  const first = backlog;
  let best = backlog;
  let bestAt = Date.now();
  let lastSaid = Date.now();
  while (backlog > 0 && Date.now() - bestAt < STALL_MS && Date.now() < hardDeadline - 60_000) {
    await sleep(2_000);
    backlog = await pendingTriggers(db, shops).catch(() => backlog);
    if (backlog < best) [best, bestAt] = [backlog, Date.now()];
    if (Date.now() - lastSaid >= 30_000) {
      lastSaid = Date.now();
      const s = (Date.now() - started) / 1000;
      say(`faults: +${s.toFixed(0)} s after the burst: ${backlog} triggers waiting to fire (${((first - backlog) / s).toFixed(1)}/s)`);
    }
  }
  const s = (Date.now() - started) / 1000;
  say(`faults: trigger backlog after the burst ${first}, fired in ${s.toFixed(0)} s (${((first - backlog) / Math.max(s, 1)).toFixed(1)}/s), ${backlog} left`
    + (backlog > 0 ? (Date.now() - bestAt >= STALL_MS ? ` (no progress for ${STALL_MS / 1000} s)` : ' (run deadline)') : ''));
  return backlog;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(message);
}
