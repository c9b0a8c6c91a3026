import type { Client } from '@temporalio/client';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { journeys } from '../db/schema.ts';
import { drainShop } from '../ingest/queue-processor.ts';
import type { PiiCipher } from '../lib/pii.ts';
import { deleteCustomerData, personKeys } from './customer-data.ts';

export interface EraseResult {
  customerId: string;
  journeysCancelled: string[];
  rowsRemoved: Record<string, number>;
}

/**
 * Erases a customer on request: the shop's queued events are stored first (one of them may be the
 * customer's, and would otherwise be stored after the erase), their running journeys are cancelled
 * (so none can send or write again), then every row about them is deleted in one transaction, audience
 * memberships included. Suppressed addresses stay suppressed: they are keyed hashes, kept so we never message
 * an address that bounced or complained.
 */
export async function eraseCustomer(deps: { database: Database; cipher: PiiCipher; temporal: Client }, shopId: string, customerId: string): Promise<EraseResult> {
  await drainShop(deps, shopId);
  const db = deps.database.db;
  const keys = await personKeys(db, shopId, customerId);
  const running = await db.select({ id: journeys.workflowId }).from(journeys)
    .where(and(eq(journeys.shopId, shopId), inArray(journeys.customerId, keys), eq(journeys.status, 'running')));
  const journeysCancelled: string[] = [];
  for (const { id } of running) {
    try {
      await deps.temporal.workflow.getHandle(id).cancel();
      journeysCancelled.push(id);
    } catch (error) {
      // Already closed, or never started: nothing left to cancel.
      if ((error as Error).name !== 'WorkflowNotFoundError') throw error;
    }
  }
  const rowsRemoved = await deleteCustomerData(db, deps.cipher, shopId, customerId);
  return { customerId, journeysCancelled, rowsRemoved };
}
