import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import { providerEvents } from '../db/schema-channels.ts';
import { consents, dispatches, journeys, outcomes } from '../db/schema.ts';
import { applyOutcomeToModels } from '../learning/apply-outcome.ts';
import type { Logger } from '../lib/logger.ts';
import { unsubscribedSignal } from '../workflows/signals.ts';
import type { Channel } from '../workflows/types.ts';

// What customers and providers tell us after a send: delivery, engagement, bounces, complaints,
// unsubscribes. Each is stored once (providers retry webhooks) and turned into an outcome event.

export interface FeedbackDeps {
  database: Database;
  temporal: Client;
  logger: Logger;
}

type Dispatch = typeof dispatches.$inferSelect;
export type OutcomeKind = 'delivered' | 'opened' | 'clicked' | 'bounced' | 'complained' | 'failed' | 'unsubscribed';

/** Stores a provider event once; false when it was seen before (a webhook retry). */
export async function recordProviderEvent(
  db: Database['db'],
  event: { provider: string; providerEventId: string; kind: string; occurredAt: Date; dispatch?: Dispatch | null; shopId?: string | null; customerId?: string | null; channel?: string | null; detail?: Record<string, unknown> },
): Promise<boolean> {
  const inserted = await db
    .insert(providerEvents)
    .values({
      provider: event.provider, providerEventId: event.providerEventId, kind: event.kind, occurredAt: event.occurredAt,
      dispatchId: event.dispatch?.id ?? null, shopId: event.dispatch?.shopId ?? event.shopId ?? null,
      customerId: event.dispatch?.customerId ?? event.customerId ?? null, channel: event.dispatch?.channel ?? event.channel ?? null, detail: event.detail ?? {},
    })
    .onConflictDoNothing()
    .returning({ id: providerEvents.id });
  return inserted.length > 0;
}

/**
 * Turns a provider event into the journey's outcome (once per step and kind), moves the ledger on, and
 * folds engagement into the customer's posteriors in the same transaction (learning/apply-outcome.ts).
 */
export async function recordDispatchOutcome(db: Database['db'], dispatch: Dispatch, kind: OutcomeKind, occurredAt: Date, reason?: string, options: { machineOpen?: boolean } = {}): Promise<void> {
  // A machine's open (a privacy proxy, a scanner) says nothing about the person: its provider event is
  // kept, flagged, for reports; it is not the step's "opened" outcome and teaches the models nothing,
  // so the person's own open later still counts.
  if (kind === 'opened' && options.machineOpen) return;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(outcomes)
      .values({ shopId: dispatch.shopId, customerId: dispatch.customerId, workflowId: dispatch.workflowId, step: dispatch.step, dispatchId: dispatch.id, kind, reason: reason ?? null, occurredAt })
      .onConflictDoNothing()
      .returning({ id: outcomes.id });
    if (kind === 'delivered') await tx.update(dispatches).set({ status: 'delivered' }).where(and(eq(dispatches.id, dispatch.id), eq(dispatches.status, 'sent')));
    if (kind === 'bounced' || kind === 'failed') {
      await tx.update(dispatches).set({ status: 'failed', error: `${kind}: ${reason ?? ''}`.trim() }).where(eq(dispatches.id, dispatch.id));
    }
    if (inserted.length > 0 && (kind === 'delivered' || kind === 'opened' || kind === 'clicked' || kind === 'unsubscribed')) {
      await applyOutcomeToModels(tx, { shopId: dispatch.shopId, customerId: dispatch.customerId, dispatchId: dispatch.id, channel: dispatch.channel, kind, at: occurredAt, discountTier: dispatch.discountTier });
    }
  });
}

/** When the message reached the inbox: its provider's delivery event, else the send. */
export async function landedAt(db: Database['db'], dispatch: Dispatch): Promise<Date | null> {
  const [delivered] = await db
    .select({ at: providerEvents.occurredAt })
    .from(providerEvents)
    .where(and(eq(providerEvents.dispatchId, dispatch.id), eq(providerEvents.kind, 'delivered')))
    .limit(1);
  return delivered?.at ?? dispatch.sentAt ?? null;
}

export async function findDispatchByProviderId(db: Database['db'], provider: string, providerMessageId: string): Promise<Dispatch | null> {
  const [row] = await db.select().from(dispatches).where(and(eq(dispatches.provider, provider), eq(dispatches.providerMessageId, providerMessageId)));
  return row ?? null;
}

/**
 * Records a withdrawn (or renewed) consent and, on withdrawal, tells the customer's running journeys,
 * so nothing already scheduled goes out on that channel.
 */
export async function setConsent(deps: FeedbackDeps, change: { shopId: string; customerId: string; channel: Channel; granted: boolean; source: string }): Promise<void> {
  const { db } = deps.database;
  await db.insert(consents).values({ shopId: change.shopId, customerId: change.customerId, channel: change.channel, granted: change.granted, source: change.source });
  if (change.granted) return;
  const running = await db
    .select({ workflowId: journeys.workflowId })
    .from(journeys)
    .where(and(eq(journeys.shopId, change.shopId), eq(journeys.customerId, change.customerId), eq(journeys.status, 'running')));
  for (const { workflowId } of running) {
    await deps.temporal.workflow
      .getHandle(workflowId)
      .signal(unsubscribedSignal, { version: 1, channel: change.channel })
      .catch((error: unknown) => deps.logger.warn({ err: error, workflowId }, 'could not signal an unsubscribe to a journey'));
  }
}
