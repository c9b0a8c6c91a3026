import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { carts, consents, contacts, customerIdentities, customers, events, orders } from '../db/schema.ts';
import { normaliseEmail, type PiiCipher } from '../lib/pii.ts';
import type { CustomerRef } from './canonical.ts';
import { mergeModelState } from './site-activity.ts';
import { timezoneFromAddress } from './timezone.ts';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export const newCustomerKey = () => `cus_${randomBytes(10).toString('hex')}`;

export interface ResolvedCustomer {
  customerId: string;
  /** The customer row was created by this event. */
  created: boolean;
  /** The customer became known (not anonymous) with this event: a new customer for onboarding. */
  identified: boolean;
  /** Anonymous customers folded into this one, with their events, carts and orders. */
  merged: string[];
  /** Still anonymous after this event: no user id nor e-mail seen yet (and so no address to reach). */
  anonymous: boolean;
}

export const identityKeys = (ref: Pick<CustomerRef, 'userId' | 'anonymousId'>) => ({
  user: ref.userId === undefined ? undefined : `user:${ref.userId}`,
  anon: ref.anonymousId === undefined ? undefined : `anon:${ref.anonymousId}`,
});

/**
 * Finds or creates the pseudonymous customer a source's ids point to, and stores any contact details
 * encrypted, apart from activity. A known user id wins, then the e-mail (so the same person seen by
 * two platforms is one customer), then the anonymous id; an anonymous visitor who identifies is merged
 * into the customer, with everything recorded for them so far.
 */
export async function resolveCustomer(tx: Tx, cipher: PiiCipher, shopId: string, source: string, ref: CustomerRef): Promise<ResolvedCustomer> {
  const keys = identityKeys(ref);
  const wanted = [keys.user, keys.anon].filter((k): k is string => k !== undefined);
  const found = await tx
    .select({ sourceId: customerIdentities.sourceId, customerId: customerIdentities.customerId, anonymous: customers.anonymous })
    .from(customerIdentities)
    .innerJoin(customers, eq(customers.id, customerIdentities.customerId))
    .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.source, source), inArray(customerIdentities.sourceId, wanted)));
  const byUser = found.find((f) => f.sourceId === keys.user);
  const byAnon = found.find((f) => f.sourceId === keys.anon);
  const email = ref.email ? normaliseEmail(ref.email) : undefined;
  const emailHash = email ? cipher.lookupHash(email) : undefined;
  let byEmail: { customerId: string; anonymous: boolean } | undefined;
  if (!byUser && emailHash) {
    [byEmail] = await tx
      .select({ customerId: contacts.customerId, anonymous: customers.anonymous })
      .from(contacts)
      .innerJoin(customers, eq(customers.id, contacts.customerId))
      .where(and(eq(contacts.shopId, shopId), eq(contacts.emailHash, emailHash)))
      .limit(1);
  }
  const known = byUser ?? byEmail;
  const identifiedNow = ref.userId !== undefined || email !== undefined;
  const timezone = ref.timezone ?? timezoneFromAddress(ref.address);
  let customerId: string;
  let created = false;
  let identified = false;
  let anonymous: boolean;
  const merged: string[] = [];
  if (known) {
    customerId = known.customerId;
    identified = known.anonymous && identifiedNow;
    anonymous = known.anonymous && !identifiedNow;
    if (byAnon && byAnon.customerId !== customerId && byAnon.anonymous) {
      await mergeCustomer(tx, byAnon.customerId, customerId);
      merged.push(byAnon.customerId);
    }
  } else if (byAnon) {
    customerId = byAnon.customerId;
    identified = byAnon.anonymous && identifiedNow;
    anonymous = byAnon.anonymous && !identifiedNow;
  } else {
    customerId = newCustomerKey();
    created = true;
    identified = identifiedNow;
    anonymous = !identifiedNow;
    await tx.insert(customers).values({ id: customerId, shopId, timezone: timezone ?? null, locale: ref.locale ?? null, anonymous: !identifiedNow });
  }
  if (!created && (timezone || ref.locale || identified)) {
    await tx
      .update(customers)
      .set({ ...(timezone ? { timezone } : {}), ...(ref.locale ? { locale: ref.locale } : {}), ...(identified ? { anonymous: false } : {}) })
      .where(eq(customers.id, customerId));
  }
  for (const key of wanted) {
    // Known keys are already right: merged ones were moved, and an anonymous id tied to another
    // identified person (a shared device) stays with them.
    if (found.some((f) => f.sourceId === key)) continue;
    await tx.insert(customerIdentities).values({ shopId, source, sourceId: key, customerId }).onConflictDoNothing();
  }
  if (email || ref.phone) {
    const values = {
      ...(email && emailHash ? { emailEnc: cipher.encrypt(email), emailHash } : {}),
      ...(ref.phone ? { phoneEnc: cipher.encrypt(ref.phone), phoneHash: cipher.lookupHash(ref.phone) } : {}),
      updatedAt: new Date(),
    };
    await tx.insert(contacts).values({ customerId, shopId, ...values }).onConflictDoUpdate({ target: contacts.customerId, set: values });
  }
  return { customerId, created, identified, merged, anonymous };
}

/** Moves everything recorded for an anonymous visitor to the customer they turned out to be, their site activity included. */
export async function mergeCustomer(tx: Tx, from: string, into: string): Promise<void> {
  await tx.update(events).set({ customerId: into }).where(eq(events.customerId, from));
  await tx.update(carts).set({ customerId: into }).where(eq(carts.customerId, from));
  await tx.update(orders).set({ customerId: into }).where(eq(orders.customerId, from));
  await tx.update(consents).set({ customerId: into }).where(eq(consents.customerId, from));
  await tx.update(customerIdentities).set({ customerId: into }).where(eq(customerIdentities.customerId, from));
  const [target] = await tx.select({ id: contacts.customerId }).from(contacts).where(eq(contacts.customerId, into));
  if (target) await tx.delete(contacts).where(eq(contacts.customerId, from));
  else await tx.update(contacts).set({ customerId: into }).where(eq(contacts.customerId, from));
  await mergeModelState(tx, from, into);
  await tx.update(customers).set({ mergedInto: into }).where(eq(customers.id, from));
}
