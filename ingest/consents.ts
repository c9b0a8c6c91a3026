import { and, desc, eq } from 'drizzle-orm';
import { consents } from '../db/schema.ts';
import type { CustomerEvent } from './canonical.ts';
import type { Tx } from './identity.ts';

type ConsentChannel = 'email' | 'sms' | 'whatsapp' | 'push';

/**
 * Records each consent that differs from the customer's current one for the channel, with its source
 * and time (platforms resend unchanged consent on every customer update). Returns the channels whose
 * consent was withdrawn by this event.
 */
export async function recordConsents(
  tx: Tx,
  shopId: string,
  customerId: string,
  source: string,
  event: Extract<CustomerEvent, { type: 'customer_updated' }>,
): Promise<ConsentChannel[]> {
  if (event.consents.length === 0) return [];
  const history = await tx
    .select({ channel: consents.channel, granted: consents.granted, recordedAt: consents.recordedAt })
    .from(consents)
    .where(and(eq(consents.customerId, customerId), eq(consents.shopId, shopId)))
    .orderBy(desc(consents.recordedAt), desc(consents.id));
  const withdrawn: ConsentChannel[] = [];
  for (const change of event.consents) {
    const at = new Date(change.at ?? event.occurredAt);
    const latest = history.find((h) => h.channel === change.channel);
    if (latest && (latest.granted === change.granted || latest.recordedAt > at)) continue;
    await tx.insert(consents).values({ shopId, customerId, channel: change.channel, granted: change.granted, source, recordedAt: at });
    history.unshift({ channel: change.channel, granted: change.granted, recordedAt: at });
    if (latest?.granted && !change.granted) withdrawn.push(change.channel);
  }
  return withdrawn;
}
