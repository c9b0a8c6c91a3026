import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { contacts, customerIdentities, customers } from '../db/schema.ts';
import { normaliseEmail, type PiiCipher } from '../lib/pii.ts';
import type { CustomerRef } from './canonical.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export const newCustomerKey = () => `cus_${randomBytes(10).toString('hex')}`;

/**
 * Finds or creates the pseudonymous customer a source's ids point to, and stores any contact details
 * encrypted, apart from activity. Returns the customer key and whether it was created now.
 */
export async function resolveCustomer(
  tx: Tx,
  cipher: PiiCipher,
  shopId: string,
  source: string,
  ref: CustomerRef,
): Promise<{ customerId: string; created: boolean }> {
  const keys = [ref.userId && { sourceId: `user:${ref.userId}` }, ref.anonymousId && { sourceId: `anon:${ref.anonymousId}` }].filter(
    (k): k is { sourceId: string } => Boolean(k),
  );
  let customerId: string | undefined;
  for (const key of keys) {
    const [found] = await tx
      .select({ customerId: customerIdentities.customerId })
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.source, source), eq(customerIdentities.sourceId, key.sourceId)));
    if (found) {
      customerId = found.customerId;
      break;
    }
  }
  const created = customerId === undefined;
  customerId ??= newCustomerKey();
  if (created) {
    await tx.insert(customers).values({ id: customerId, shopId, timezone: ref.timezone ?? null, locale: ref.locale ?? null, anonymous: !ref.userId });
  } else if (ref.timezone || ref.locale || ref.userId) {
    await tx
      .update(customers)
      .set({ ...(ref.timezone ? { timezone: ref.timezone } : {}), ...(ref.locale ? { locale: ref.locale } : {}), ...(ref.userId ? { anonymous: false } : {}) })
      .where(eq(customers.id, customerId));
  }
  for (const key of keys) {
    await tx.insert(customerIdentities).values({ shopId, source, sourceId: key.sourceId, customerId }).onConflictDoNothing();
  }
  if (ref.email || ref.phone) {
    const email = ref.email ? normaliseEmail(ref.email) : undefined;
    const values = {
      ...(email ? { emailEnc: cipher.encrypt(email), emailHash: cipher.lookupHash(email) } : {}),
      ...(ref.phone ? { phoneEnc: cipher.encrypt(ref.phone), phoneHash: cipher.lookupHash(ref.phone) } : {}),
      updatedAt: new Date(),
    };
    await tx.insert(contacts).values({ customerId, shopId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values });
  }
  return { customerId, created };
}
