import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { dispatches } from '../db/schema.ts';

/** Messages the dev outbox wrote for the shop, newest first, a page at a time. */
export async function outboxMessages(database: Database, shopId: string, options: { limit: number; offset: number }) {
  const rows = await database.db
    .select({ id: dispatches.id, customerId: dispatches.customerId, workflowId: dispatches.workflowId, step: dispatches.step, channel: dispatches.channel,
      contentType: dispatches.contentType, variant: dispatches.variant, discountTier: dispatches.discountTier, sentAt: dispatches.sentAt })
    .from(dispatches)
    .where(and(eq(dispatches.shopId, shopId), eq(dispatches.provider, 'outbox'), eq(dispatches.status, 'sent')))
    .orderBy(desc(dispatches.sentAt), desc(dispatches.id))
    .limit(options.limit)
    .offset(options.offset);
  return rows.map((r) => ({ ...r, sentAt: r.sentAt?.toISOString() ?? null }));
}

/**
 * The rendered message as the outbox wrote it (HTML for e-mail, text otherwise). Only a dispatch of
 * this shop is read, so a shop can never open another's files by guessing an id.
 */
export async function outboxMessage(database: Database, outboxDir: string, shopId: string, dispatchId: string): Promise<{ html: string | null; text: string } | null> {
  const [row] = await database.db
    .select({ id: dispatches.id })
    .from(dispatches)
    .where(and(eq(dispatches.shopId, shopId), eq(dispatches.id, dispatchId), eq(dispatches.provider, 'outbox')));
  if (!row) return null;
  const base = join(outboxDir, shopId, row.id);
  const text = await readFile(`${base}.txt`, 'utf8').catch(() => null);
  if (text === null) return null;
  const html = await readFile(`${base}.html`, 'utf8').catch(() => null);
  return { html, text };
}
