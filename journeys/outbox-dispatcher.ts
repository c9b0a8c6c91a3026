import { sql } from 'drizzle-orm';
import type { JourneyClientDeps } from './deps.ts';
import { run } from '../ingest/sql-rows.ts';
import { startPollLoop } from '../lib/poll-loop.ts';
import { fireTrigger } from './fire.ts';
import type { FireRound, RunningJourney } from './start.ts';
import type { JourneyTrigger } from './triggers.ts';

// The trigger outbox, read side. Any number of processes may run a dispatcher: rows are claimed with
// FOR UPDATE SKIP LOCKED and leased, so each is fired by one of them at a time, and a crashed
// dispatcher's claims are picked up again when the lease runs out. Firing is at least once; the journey
// side is idempotent (deterministic workflow IDs, signalWithStart), so a repeat lands on the same journey.

export interface OutboxOptions {
  /** Rows claimed per round. */
  batchSize: number;
  /** Triggers in flight at once (one customer's are never in flight together). */
  concurrency: number;
  /** Wait between rounds when nothing was due. */
  pollMs: number;
  /** How long a claim holds; must exceed fireTimeoutMs. */
  leaseMs: number;
  /** Deadline of one trigger's calls to Temporal. */
  fireTimeoutMs: number;
  /** Retries with exponential backoff from backoffBaseMs, capped at backoffMaxMs; then the row is `dead`. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Fired and coalesced rows are deleted after this long. */
  keepDoneMs: number;
}

export const OUTBOX_DEFAULTS: OutboxOptions = {
  batchSize: 200, concurrency: 16, pollMs: 200, leaseMs: 60_000, fireTimeoutMs: 15_000,
  // ~40 attempts at the 5-minute cap: a Temporal outage of about three hours is waited out.
  maxAttempts: 50, backoffBaseMs: 1_000, backoffMaxMs: 300_000, keepDoneMs: 7 * 86_400_000,
};

/** The wait before attempt `attempts + 1`: exponential, capped, with ±20 % jitter so retries spread. */
export function backoffMs(attempts: number, options: Pick<OutboxOptions, 'backoffBaseMs' | 'backoffMaxMs'>, random = Math.random): number {
  const raw = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/** Errors no retry can fix (a key that cannot make a workflow ID): the row goes `dead` at once. */
const isPermanent = (error: unknown) => /must be non-empty and contain no ':'/.test((error as Error)?.message ?? '');

interface Claimed {
  id: number;
  attempts: number;
  payload: JourneyTrigger;
}

export interface RoundResult {
  claimed: number;
  fired: number;
  failed: number;
  dead: number;
}

/**
 * Claims due triggers (the first waiting one of each customer), fires them, records each outcome. A
 * round runs a fixed number of statements whatever its size: the claim; one look-up of the claimed
 * customers' stages and running journeys (what starting and signalling journeys reads, journeys/start.ts
 * FireRound); and one statement writing the started journeys' rows and every trigger's outcome. Between
 * them, one Temporal call per journey started or signalled.
 */
export async function dispatchDue(deps: JourneyClientDeps, options: Partial<OutboxOptions> = {}): Promise<RoundResult> {
  const o = { ...OUTBOX_DEFAULTS, ...options };
  const claimed = await run<Claimed>(deps.database.db, sql`
    with due as (
      select o.id from trigger_outbox o
      where ((o.status = 'pending' and o.available_at <= now()) or (o.status = 'firing' and o.lease_until < now()))
        and not exists (select 1 from trigger_outbox p where p.shop_id = o.shop_id and p.order_key = o.order_key
          and p.id < o.id and p.status in ('pending', 'firing'))
      order by o.id
      limit ${o.batchSize}
      for update skip locked
    )
    update trigger_outbox t set status = 'firing', attempts = t.attempts + 1, lease_until = now() + ${`${o.leaseMs} milliseconds`}::interval
    from due where t.id = due.id
    returning t.id, t.attempts, t.payload`);
  const result: RoundResult = { claimed: claimed.length, fired: 0, failed: 0, dead: 0 };
  if (claimed.length === 0) return result;
  const round = await readRound(deps, claimed.map((c) => c.payload));
  const done: { id: number; w: string[] }[] = [];
  const failed: { id: number; e: string; wait: number; dead: boolean }[] = [];
  const queue = [...claimed].sort((a, b) => Number(a.id) - Number(b.id));
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, queue.length) }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        try {
          const touched = await deps.temporal.connection.withDeadline(Date.now() + o.fireTimeoutMs, () => fireTrigger(deps, row.payload, round));
          done.push({ id: Number(row.id), w: touched });
        } catch (error) {
          const dead = isPermanent(error) || row.attempts >= o.maxAttempts;
          failed.push({ id: Number(row.id), e: describe(error), wait: backoffMs(row.attempts, o), dead });
          deps.logger.warn({ err: error, outboxId: row.id, trigger: row.payload.kind, shopId: row.payload.shopId, attempts: row.attempts, dead },
            dead ? 'trigger gave up: kept in the outbox as dead' : 'trigger could not reach its journey; will retry');
        }
      }
    }));
  } finally {
    // The journeys started (also by a trigger that failed afterwards) and every outcome, in one statement.
    const started = [...new Map(round.started.map((j) => [j.workflowId, j])).values()].sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
    await run(deps.database.db, sql`with started as (
        insert into journeys (workflow_id, shop_id, customer_id, journey, trigger_key)
        select r."workflowId", r."shopId", r."customerId", r.journey, r."triggerKey"
        from jsonb_to_recordset(${JSON.stringify(started)}::jsonb) as r("workflowId" text, "shopId" text, "customerId" text, journey text, "triggerKey" text)
        on conflict do nothing),
      fired as (
        update trigger_outbox t set status = 'fired', fired_at = now(), lease_until = null, last_error = null,
          workflow_ids = array(select jsonb_array_elements_text(r.w)) from jsonb_to_recordset(${JSON.stringify(done)}::jsonb) as r(id bigint, w jsonb)
        where t.id = r.id and t.status = 'firing')
      update trigger_outbox t set status = case when r.dead then 'dead' else 'pending' end, lease_until = null, last_error = r.e,
        available_at = now() + make_interval(secs => r.wait / 1000.0) from jsonb_to_recordset(${JSON.stringify(failed)}::jsonb) as r(id bigint, e text, wait integer, dead boolean)
      where t.id = r.id and t.status = 'firing'`);
  }
  result.fired = done.length;
  result.failed = failed.length;
  result.dead = failed.filter((f) => f.dead).length;
  return result;
}

/** The claimed customers' stages and running journeys, in one statement (an index probe per customer). */
async function readRound(deps: JourneyClientDeps, triggers: JourneyTrigger[]): Promise<FireRound> {
  const key = (shopId: string, customerId: string) => `${shopId}\u0000${customerId}`;
  const wanted = new Map<string, { s: string; c: string }>();
  for (const t of triggers) if ('customerId' in t) wanted.set(key(t.shopId, t.customerId), { s: t.shopId, c: t.customerId });
  const stages = new Map<string, string>();
  const running = new Map<string, RunningJourney[]>();
  if (wanted.size) {
    const rows = await run<{ s: string; c: string; stage: string | null; running: RunningJourney[] | null }>(deps.database.db, sql`
      select k.s, k.c, c.stage, j.running from jsonb_to_recordset(${JSON.stringify([...wanted.values()])}::jsonb) as k(s text, c text)
      left join lateral (select stage from customers where id = k.c and shop_id = k.s offset 0) c on true
      left join lateral (select jsonb_agg(jsonb_build_object('workflowId', workflow_id, 'journey', journey, 'triggerKey', trigger_key)) as running
        from journeys where shop_id = k.s and customer_id = k.c and status = 'running') j on true`);
    for (const r of rows) {
      if (r.stage !== null) stages.set(key(r.s, r.c), r.stage);
      running.set(key(r.s, r.c), r.running ?? []);
    }
  }
  return { stageOf: (s, c) => stages.get(key(s, c)), runningOf: (s, c) => running.get(key(s, c)) ?? [], started: [] };
}

const describe = (error: unknown) => {
  const e = error as { message?: string; details?: string; name?: string };
  return `${e.name ?? 'Error'}: ${e.details ?? e.message ?? String(error)}`.slice(0, 1000);
};

/** Deletes fired and coalesced rows older than keepDoneMs; dead rows stay for an operator. */
export async function pruneOutbox(deps: Pick<JourneyClientDeps, 'database'>, keepDoneMs = OUTBOX_DEFAULTS.keepDoneMs): Promise<number> {
  const rows = await deps.database.rows<{ n: number }>(sql`with gone as (delete from trigger_outbox
    where status in ('fired', 'coalesced') and coalesce(fired_at, created_at) < now() - ${`${keepDoneMs} milliseconds`}::interval returning 1)
    select count(*)::int as n from gone`);
  return rows[0]?.n ?? 0;
}

export interface OutboxDispatcher {
  /** Finishes the round in flight and stops. */
  stop(): Promise<void>;
}

/**
 * Runs dispatch rounds until stopped: back to back while there is work, every pollMs otherwise. A
 * round that fails (database away) is logged and retried after a pause; it never stops the loop.
 */
export function startOutboxDispatcher(deps: JourneyClientDeps, options: Partial<OutboxOptions> = {}): OutboxDispatcher {
  const o = { ...OUTBOX_DEFAULTS, ...options };
  let lastPrune = 0;
  const loop = startPollLoop(async () => {
    const round = await dispatchDue(deps, o);
    if (Date.now() - lastPrune > 3_600_000) {
      lastPrune = Date.now();
      await pruneOutbox(deps, o.keepDoneMs);
    }
    return round.claimed < o.batchSize ? o.pollMs : 0;
  }, (error) => deps.logger.error({ err: error }, 'trigger outbox round failed; retrying'), Math.max(o.pollMs, 1_000));
  return { stop: () => loop.stop() };
}

/** Backlog of the outbox, for benches and operators. */
export async function outboxCounts(deps: Pick<JourneyClientDeps, 'database'>): Promise<Record<string, number>> {
  const rows = await deps.database.rows<{ status: string; n: number }>(sql`select status, count(*)::int as n from trigger_outbox group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
