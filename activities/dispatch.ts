import { createHash } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { contacts, dispatches, products } from '../db/schema.ts';
import { OutboxSender } from '../channels/outbox.ts';
import { renderBasic } from '../channels/render-basic.ts';
import type { ChannelSender } from '../channels/types.ts';
import type { Channel, DispatchRequest, DispatchResult } from '../workflows/types.ts';
import type { ActivityDeps } from './deps.ts';

/** One ledger key per (journey, step, channel): the unit that must never be sent twice. */
export function dispatchKey(workflowId: string, step: number, channel: Channel): string {
  return `${workflowId}:${step}:${channel}`;
}

export function dispatchIdFor(key: string): string {
  return `dsp_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** A provider said no for good (invalid address, blocked recipient): retrying cannot help. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/**
 * Sends one journey step. The ledger row is reserved before the provider call and the provider gets
 * the same idempotency key on every attempt, so a crash between the call and the ledger update, or
 * any retry, still ends in exactly one message.
 */
export function createDispatch(deps: ActivityDeps, senders: Partial<Record<Channel, ChannelSender>> = {}) {
  const outbox = new OutboxSender(deps.outboxDir);
  return async function dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const { db } = deps.database;
    const { decision } = request;
    if (!decision.channel) throw new Error('dispatch called without a channel');
    const channel = decision.channel;
    const sender = senders[channel] ?? outbox;
    const idempotencyKey = dispatchKey(request.workflowId, request.step, channel);
    const dispatchId = dispatchIdFor(idempotencyKey);

    await db
      .insert(dispatches)
      .values({
        id: dispatchId,
        idempotencyKey,
        shopId: request.shopId,
        customerId: request.customerId,
        workflowId: request.workflowId,
        step: request.step,
        channel,
        contentType: decision.contentType,
        status: 'reserved',
        provider: sender.provider,
        discountTier: decision.discountTier,
        variant: decision.variant,
      })
      .onConflictDoNothing();
    const [row] = await db.select().from(dispatches).where(eq(dispatches.id, dispatchId));
    if (row && (row.status === 'sent' || row.status === 'delivered')) return { dispatchId, status: 'sent', provider: row.provider };
    if (row?.status === 'failed') return { dispatchId, status: 'failed', provider: row.provider };

    const [contact] = await db
      .select()
      .from(contacts)
      .where(and(eq(contacts.shopId, request.shopId), eq(contacts.customerId, request.customerId)));
    const encrypted = channel === 'email' ? contact?.emailEnc : contact?.phoneEnc;
    if (!encrypted) return fail(dispatchId, channel, 'no address on file');
    const items = decision.productIds.length
      ? await db
          .select()
          .from(products)
          .where(and(eq(products.shopId, request.shopId), inArray(products.id, decision.productIds)))
      : [];
    const inStock = items.filter((p) => p.stock === null || p.stock > 0);
    const message = renderBasic(channel, decision.contentType, inStock);

    try {
      const sent = await sender.send({
        ...message,
        shopId: request.shopId,
        customerId: request.customerId,
        dispatchId,
        idempotencyKey,
        to: deps.cipher.decrypt(encrypted),
      });
      await db
        .update(dispatches)
        .set({ status: 'sent', sentAt: deps.now?.() ?? new Date(), providerMessageId: sent.providerMessageId })
        .where(eq(dispatches.id, dispatchId));
      deps.metrics.dispatches.inc({ channel, status: 'sent' });
      deps.logger.info({ dispatchId, workflowId: request.workflowId, channel, provider: sent.provider }, 'message sent');
      return { dispatchId, status: 'sent', provider: sent.provider };
    } catch (error) {
      if (error instanceof PermanentSendError) return fail(dispatchId, channel, error.message);
      throw error;
    }
  };

  async function fail(dispatchId: string, channel: Channel, reason: string): Promise<DispatchResult> {
    await deps.database.db.update(dispatches).set({ status: 'failed', error: reason }).where(eq(dispatches.id, dispatchId));
    deps.metrics.dispatches.inc({ channel, status: 'failed' });
    return { dispatchId, status: 'failed', provider: 'none' };
  }
}
