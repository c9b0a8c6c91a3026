import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatches, journeys, orders, outcomes } from '../db/schema.ts';
import { applyEvent } from '../ingest/entry.ts';
import { fireTrigger } from '../journeys/fire.ts';
import { inQuietHours, localMinuteOfDay } from '../lib/local-time.ts';
import { journeyStatusQuery } from '../workflows/signals.ts';
import type { JourneyName, JourneyResult, JourneyStatusView } from '../workflows/types.ts';
import { seedCustomer } from './fixtures.ts';
import { maybeRecordHistory } from './histories.ts';
import { placeOrder, seedJourneyShop, setStock, zoneWithLocalHour } from './journey-fixtures.ts';
import { createJourneyHarness, serverClock, type JourneyHarness } from './temporal.ts';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { workflowBundle } from '../workers/bundle.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The shop default quiet hours, 21:00–08:00 local.
const QUIET = [21 * 60, 8 * 60] as const;

export interface ScenarioCustomer {
  h: JourneyHarness;
  shopId: string;
  userId: string;
  customerId: string;
  tag: string;
  /** Workflows the trigger started besides the journey (a campaign): awaited before a worker stops. */
  background: string[];
}

/** How a journey is triggered and poked, so the same scenarios run against each journey. */
export interface JourneyDriver {
  journey: JourneyName;
  /** Simulated time from the trigger to the journey's decision (its quiet period or delay). */
  decideAfterMs: number;
  /** Facts the trigger needs (a first order, a product view...), before it fires. */
  setup?(c: ScenarioCustomer): Promise<void>;
  /** Fires the trigger; returns the journey's workflow ID. */
  trigger(c: ScenarioCustomer): Promise<string>;
  /** Fires the same trigger again; the journey must stay one. */
  retrigger(c: ScenarioCustomer): Promise<void>;
  /** Something that restarts the wait before deciding (a cart change, another long view). */
  reset?(c: ScenarioCustomer): Promise<void>;
  /** Scenarios known not to run for this journey yet, each with the reason (printed as a skipped test). */
  knownGaps?: Partial<Record<'outOfStock' | 'quietHours' | 'duplicate' | 'restart', string>>;
}

export function journeyScenarios(driver: JourneyDriver): void {
  describe.sequential(`${driver.journey} journey (time-skipping server, real activities and database)`, () => {
    let h: JourneyHarness;
    vi.setConfig({ testTimeout: 180_000 });
    beforeAll(async () => {
      h = await createJourneyHarness();
    });
    afterAll(async () => h?.close());
    /**
     * Ends the journeys a test leaves running (the cross-sell an order starts...) while its worker still
     * runs: a task outstanding when a worker stops keeps the time-skipping server from skipping time.
     */
    async function endOthers(c?: ScenarioCustomer): Promise<void> {
      for (const id of c?.background ?? []) await handle(id).result();
      const rows = await h.database.db.select({ id: journeys.workflowId }).from(journeys).where(eq(journeys.status, 'running'));
      // Terminate only journeys resting on a timer: work in flight for a terminated workflow is what
      // leaves the server waiting.
      for (let tries = 0; tries < 30; tries++) {
        const states = await Promise.all(rows.map(({ id }) => handle(id).query(journeyStatusQuery).catch(() => null)));
        if (states.every((s) => s === null || s.state === 'done' || s.nextStepAt !== null)) break;
        await h.env.sleep(1000);
      }
      for (const { id } of rows) await handle(id).terminate('test finished').catch(() => {});
      // The test server keeps time skipping locked for each abandoned child (a campaign's journey) that
      // closed after its parent; without giving those locks back, a later scenario's sleep never skips.
      const all = await h.database.db.select({ id: journeys.workflowId }).from(journeys);
      await h.releaseOrphanedChildLocks([...all.map((r) => r.id), ...(c?.background ?? [])]);
    }
    const serverNow = async () => new Date(await h.env.currentTimeMs());
    /** A customer in their own shop, whose local time at the decision falls in [fromHour, toHour). */
    async function customer(tag: string, hours: [number, number], decideAfterMs = driver.decideAfterMs): Promise<ScenarioCustomer> {
      const shopId = await seedJourneyShop(h, `${driver.journey}-${tag}`);
      const userId = `u-${tag}`;
      const timezone = zoneWithLocalHour(new Date((await serverNow()).getTime() + decideAfterMs), hours[0], hours[1]);
      const customerId = await seedCustomer(h.deps, shopId, { userId, timezone });
      const c: ScenarioCustomer = { h, shopId, userId, customerId, tag, background: [] };
      await driver.setup?.(c);
      return c;
    }
    const handle = (id: string) => h.env.client.workflow.getHandle(id);
    /** Advances simulated time, a step at a time, until the journey's status satisfies `done`. */
    async function waitFor(id: string, done: (s: JourneyStatusView) => boolean, withinMs: number): Promise<JourneyStatusView> {
      const deadline = (await h.env.currentTimeMs()) + withinMs;
      for (;;) {
        const status = await handle(id).query(journeyStatusQuery).catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError || /not found/i.test((error as Error).message)) return null;
          throw error;
        });
        if (process.env.DEBUG_SCENARIOS) console.log(new Date(await h.env.currentTimeMs()).toISOString(), JSON.stringify(status));
        if (status && done(status)) return status;
        const now = await h.env.currentTimeMs();
        if (now > deadline || status?.state === 'done') {
          const ledger = await h.database.db.select().from(dispatches).where(eq(dispatches.workflowId, id));
          throw new Error(`${id} did not reach the expected state; last: ${JSON.stringify(status)}; dispatches: ${JSON.stringify(ledger)}`);
        }
        // Jump to just after the journey's next step when it says when that is; otherwise a short step.
        const next = status?.nextStepAt ? Date.parse(status.nextStepAt) - now + 1000 : status ? 60_000 : 1000;
        await h.env.sleep(Math.min(Math.max(next, 1000), 6 * HOUR));
      }
    }
    /**
     * A worker as a restarted process has it: no cached workflows (each task replays the history) and no
     * sticky queue a stopped worker could leave tasks on.
     */
    async function freshWorker<T>(fn: () => Promise<T>): Promise<T> {
      const worker = await Worker.create({
        connection: h.env.nativeConnection, namespace: h.env.namespace ?? 'default', taskQueue: h.taskQueue,
        workflowBundle: await workflowBundle(), activities: createActivities({ ...h.deps, now: serverClock }), maxCachedWorkflows: 0,
      });
      return worker.runUntil(fn());
    }
    const sentRows = (workflowId: string) => h.database.db.select().from(dispatches).where(eq(dispatches.workflowId, workflowId));
    const outboxFiles = (shopId: string) => (existsSync(join(h.outboxDir, shopId)) ? readdirSync(join(h.outboxDir, shopId)) : []);
    const withinSend = driver.decideAfterMs + 2 * DAY;

    it('sends, and credits the order with the message (attributed conversion)', async () => {
      const c = await customer('happy', [10, 14]);
      const id = await driver.trigger(c);
      const result = await freshWorker(async () => {
        const status = await waitFor(id, (s) => s.sent.length > 0, withinSend);
        expect(status.state).toBe('awaiting-conversion');
        expect(status.nextStepAt).not.toBeNull();
        await placeOrder(h, c.shopId, c.userId, 'o-happy', ['p-mug'], await serverNow());
        const result = (await handle(id).result()) as JourneyResult;
        await endOthers(c);
        return result;
      });
      await maybeRecordHistory(h.env.client, id, `${driver.journey}.converted`);
      expect(result).toMatchObject({ outcome: 'converted', orderId: expect.any(String) });
      expect(result.dispatchIds).toHaveLength(1);
      const [o] = await h.database.db.select().from(orders).where(eq(orders.sourceId, 'o-happy'));
      expect(o?.attributedDispatchId).toBe(result.dispatchIds[0]);
      const converted = await h.database.db.select().from(outcomes).where(and(eq(outcomes.workflowId, id), eq(outcomes.kind, 'converted')));
      expect(converted).toMatchObject([{ dispatchId: result.dispatchIds[0], orderId: o?.id }]);
      expect((await sentRows(id)).map((r) => r.status)).toEqual(['sent']);
      const [row] = await h.database.db.select().from(journeys).where(eq(journeys.workflowId, id));
      expect(row?.status).toBe('converted');
    });

    it('sends nothing when the customer converts before the send', async () => {
      const c = await customer('early', [23, 3]);
      const id = await driver.trigger(c);
      const result = await freshWorker(async () => {
        await waitFor(id, (s) => s.state === 'sleeping', withinSend);
        await placeOrder(h, c.shopId, c.userId, 'o-early', ['p-mug'], await serverNow());
        const result = (await handle(id).result()) as JourneyResult;
        await endOthers(c);
        return result;
      });
      expect(result).toMatchObject({ outcome: 'converted', reason: 'converted_before_send', dispatchIds: [] });
      expect(await sentRows(id)).toEqual([]);
    });

    it('stops without sending when the customer unsubscribes while it waits', async () => {
      const c = await customer('unsub', [23, 3]);
      const id = await driver.trigger(c);
      const result = await freshWorker(async () => {
        await waitFor(id, (s) => s.state === 'sleeping', withinSend);
        await applyEvent(h.deps, c.shopId, 'api', { type: 'customer_updated', eventId: `unsub-${c.tag}`, occurredAt: (await serverNow()).toISOString(),
          customer: { userId: c.userId }, consents: [{ channel: 'email', granted: false }] });
        expect(await fireTrigger(h.client, { kind: 'unsubscribed', shopId: c.shopId, customerId: c.customerId, channel: 'email' })).toContain(id);
        const result = (await handle(id).result()) as JourneyResult;
        await endOthers(c);
        return result;
      });
      expect(result).toMatchObject({ outcome: 'unsubscribed', dispatchIds: [] });
      expect(await sentRows(id)).toEqual([]);
    });

    const outOfStockGap = driver.knownGaps?.outOfStock;
    (outOfStockGap ? it.skip : it)(`skips with reason out_of_stock when the items sold out before the send${outOfStockGap ? ` (known gap: ${outOfStockGap})` : ''}`, async () => {
      const c = await customer('oos', [23, 3]);
      const id = await driver.trigger(c);
      const result = await freshWorker(async () => {
        await waitFor(id, (s) => s.state === 'sleeping', withinSend);
        await setStock(h, c.shopId, 0);
        const status = await waitFor(id, (s) => s.skipReasons.length > 0, 2 * DAY);
        expect(status.skipReasons[0]).toEqual({ step: 1, reason: 'out_of_stock' });
        const result = (await handle(id).result()) as JourneyResult;
        await endOthers(c);
        return result;
      });
      expect(result).toMatchObject({ outcome: 'skipped', reason: 'out_of_stock', dispatchIds: [] });
      expect(await sentRows(id)).toEqual([]);
      const [row] = await h.database.db.select().from(journeys).where(eq(journeys.workflowId, id));
      expect(row).toMatchObject({ status: 'completed', outcome: 'skipped: out_of_stock' });
    });

    const quietGap = driver.knownGaps?.quietHours;
    (quietGap ? it.skip : it)(`holds a send that falls in quiet hours until they end, in the customer's time zone${quietGap ? ` (known gap: ${quietGap})` : ''}`, async () => {
      const c = await customer('quiet', [22, 2]);
      const id = await driver.trigger(c);
      await freshWorker(async () => {
        await waitFor(id, (s) => s.sent.length > 0, withinSend);
        await endOthers(c);
      });
      const history = await handle(id).fetchHistory();
      // An activity task, or a local activity's marker (the kernel's database steps run locally).
      const localType = (e: NonNullable<typeof history.events>[number]) => {
        const data = e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data : null;
        return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type : undefined;
      };
      const scheduled = (type: string) => history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type || localType(e) === type);
      const at = (e: ReturnType<typeof scheduled>) => new Date(Number(e?.eventTime?.seconds ?? 0) * 1000);
      const [{ timezone }] = (await h.database.rows<{ timezone: string }>(sql`select timezone from customers where id = ${c.customerId}`)) as [{ timezone: string }];
      const decidedAt = at(scheduled('decide'));
      const sentAt = at(scheduled('dispatch'));
      expect(inQuietHours(localMinuteOfDay(decidedAt, timezone), ...QUIET)).toBe(true);
      expect(inQuietHours(localMinuteOfDay(sentAt, timezone), ...QUIET)).toBe(false);
      expect(sentAt.getTime() - decidedAt.getTime()).toBeLessThan(12 * HOUR);
      expect(localMinuteOfDay(sentAt, timezone)).toBeGreaterThanOrEqual(QUIET[1]);
    });

    const duplicateGap = driver.knownGaps?.duplicate;
    (duplicateGap ? it.skip : it)(`stays one journey when the trigger fires twice${duplicateGap ? ` (known gap: ${duplicateGap})` : ''}`, async () => {
      const c = await customer('dup', [10, 14]);
      const id = await driver.trigger(c);
      await driver.retrigger(c);
      await freshWorker(async () => {
        await waitFor(id, (s) => s.sent.length > 0, withinSend);
        await driver.retrigger(c);
        await h.env.sleep(HOUR);
        await endOthers(c);
      });
      const rows = await h.database.db.select().from(journeys)
        .where(and(eq(journeys.shopId, c.shopId), eq(journeys.customerId, c.customerId), eq(journeys.journey, driver.journey)));
      expect(rows.map((r) => r.workflowId)).toEqual([id]);
      expect((await sentRows(id)).filter((r) => r.step === 1)).toHaveLength(1);
    });

    const restartGap = driver.knownGaps?.restart;
    (restartGap ? it.skip : it)(`sends once when the worker restarts while the journey sleeps and after it sent${restartGap ? ` (known gap: ${restartGap})` : ''}`, async () => {
      const c = await customer('restart', [23, 3]);
      const id = await driver.trigger(c);
      await freshWorker(async () => {
        await waitFor(id, (s) => s.state === 'sleeping', withinSend);
        for (const b of c.background) await handle(b).result();
      });
      await freshWorker(() => waitFor(id, (s) => s.sent.length > 0, 2 * DAY));
      const result = await freshWorker(async () => {
        await placeOrder(h, c.shopId, c.userId, 'o-restart', ['p-mug'], await serverNow());
        const result = (await handle(id).result()) as JourneyResult;
        await endOthers(c);
        return result;
      });
      expect(result.outcome).toBe('converted');
      expect(result.dispatchIds).toHaveLength(1);
      expect((await sentRows(id)).map((r) => r.status)).toEqual(['sent']);
      expect(outboxFiles(c.shopId).filter((f) => f.startsWith(result.dispatchIds[0]!))).not.toHaveLength(0);
    });

    if (driver.reset) {
      const reset = driver.reset.bind(driver);
      it('restarts its quiet period on each change and still sends one message', async () => {
        const c = await customer('reset', [10, 14], driver.decideAfterMs * 1.5);
        const id = await driver.trigger(c);
        await freshWorker(async () => {
          await h.env.sleep(driver.decideAfterMs / 2);
          await reset(c);
          await h.env.sleep(driver.decideAfterMs / 2 + 60_000);
          const status = await handle(id).query(journeyStatusQuery);
          expect(status).toMatchObject({ state: 'waiting', sent: [] });
          await waitFor(id, (s) => s.sent.length > 0, 2 * DAY);
          await endOthers(c);
        });
        expect((await sentRows(id)).filter((r) => r.step === 1)).toHaveLength(1);
      });
    }
  });
}
