import type { Client } from '@temporalio/client';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { journeys } from '../db/schema.ts';
import type { PiiCipher } from '../lib/pii.ts';
import { deleteCustomerData, personKeys } from './customer-data.ts';

export interface EraseResult {
  customerId: string;
  journeysCancelled: string[];
  rowsRemoved: Record<string, number>;
}

/**
 * Erases a customer on request: their running journeys are cancelled first (so none can send or
 * write again), then every row about them is deleted in one transaction, audience memberships
 * included. Suppressed addresses stay suppressed: they are keyed hashes, kept so we never message
 * an address that bounced or complained.
 */
export async function eraseCustomer(deps: { db: Db; cipher: PiiCipher; temporal: Client }, shopId: string, customerId: string): Promise<EraseResult> {
  const keys = await personKeys(deps.db, shopId, customerId);
  const running = await deps.db.select({ id: journeys.workflowId }).from(journeys)
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
  const rowsRemoved = await deleteCustomerData(deps.db, deps.cipher, shopId, customerId);
  return { customerId, journeysCancelled, rowsRemoved };
}
