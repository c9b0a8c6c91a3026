import { and, arrayOverlaps, eq, ilike, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  carts, consents, contacts, customerIdentities, customers, decisions, dispatches, events, journeys, orderLines, orders, outcomes, rejectedPayloads,
} from '../db/schema.ts';
import { audienceMembers, frequencySlots, providerEvents, pushSubscriptions } from '../db/schema-channels.ts';
import { experimentExposures } from '../db/schema-experiments.ts';
import { triggerOutbox } from '../db/schema-ingest.ts';
import { customerModelStates } from '../db/schema-models.ts';
import { normaliseEmail, type PiiCipher } from '../lib/pii.ts';

// Everything held about one customer of one shop, found by their pseudonymous key. Every query is
// scoped by shop as well, so a key from one shop can never reach another shop's customer.

/** The customer's key in this shop, by key or by e-mail address; null when this shop has no such customer. */
export async function findCustomer(db: Db, cipher: PiiCipher, shopId: string, ref: { customerId?: string; email?: string }): Promise<string | null> {
  if (ref.customerId) {
    const [row] = await db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), eq(customers.id, ref.customerId)));
    return row?.id ?? null;
  }
  if (ref.email) {
    const [row] = await db.select({ id: contacts.customerId }).from(contacts)
      .where(and(eq(contacts.shopId, shopId), eq(contacts.emailHash, cipher.lookupHash(normaliseEmail(ref.email)))));
    return row?.id ?? null;
  }
  return null;
}

/** The customer's contact details, decrypted (for the export, and to find them in kept raw payloads). */
export async function contactOf(db: Db, cipher: PiiCipher, shopId: string, customerId: string): Promise<{ email: string | null; phone: string | null }> {
  const [row] = await db.select().from(contacts).where(and(eq(contacts.shopId, shopId), eq(contacts.customerId, customerId)));
  return { email: row?.emailEnc ? cipher.decrypt(row.emailEnc) : null, phone: row?.phoneEnc ? cipher.decrypt(row.phoneEnc) : null };
}

/** Customers merged into this one (anonymous visitors it turned out to be) belong to the same person. */
export async function personKeys(db: Db, shopId: string, customerId: string): Promise<string[]> {
  const merged = await db.select({ id: customers.id }).from(customers).where(and(eq(customers.shopId, shopId), eq(customers.mergedInto, customerId)));
  return [customerId, ...merged.map((m) => m.id)];
}

/** Every row that refers to the person, table by table (the export). */
export async function collectCustomerData(db: Db, cipher: PiiCipher, shopId: string, customerId: string) {
  const keys = await personKeys(db, shopId, customerId);
  const ofShop = <T extends { shopId: unknown; customerId: unknown }>(t: T) => and(eq(t.shopId as never, shopId), inArray(t.customerId as never, keys));
  const orderRows = await db.select().from(orders).where(ofShop(orders));
  const dispatchRows = await db.select().from(dispatches).where(ofShop(dispatches));
  return {
    customer: await db.select().from(customers).where(and(eq(customers.shopId, shopId), inArray(customers.id, keys))),
    contact: await contactOf(db, cipher, shopId, customerId),
    identities: await db.select().from(customerIdentities).where(ofShop(customerIdentities)),
    consents: await db.select().from(consents).where(ofShop(consents)),
    carts: await db.select().from(carts).where(ofShop(carts)),
    orders: orderRows,
    orderLines: orderRows.length ? await db.select().from(orderLines).where(inArray(orderLines.orderId, orderRows.map((o) => o.id))) : [],
    events: await db.select().from(events).where(ofShop(events)),
    journeys: await db.select().from(journeys).where(ofShop(journeys)),
    decisions: await db.select().from(decisions).where(ofShop(decisions)),
    dispatches: dispatchRows,
    outcomes: await db.select().from(outcomes).where(ofShop(outcomes)),
    providerEvents: await db.select().from(providerEvents).where(and(eq(providerEvents.shopId, shopId), inArray(providerEvents.customerId, keys))),
    audiences: (await db.select().from(audienceMembers).where(ofShop(audienceMembers))).map((a) => ({ audience: a.audience, addedAt: a.addedAt })),
    pushSubscriptions: (await db.select().from(pushSubscriptions).where(ofShop(pushSubscriptions))).map((p) => ({ createdAt: p.createdAt, failures: p.failures })),
    experimentExposures: await db.select().from(experimentExposures).where(ofShop(experimentExposures)),
    modelState: await db.select().from(customerModelStates).where(inArray(customerModelStates.customerId, keys)),
  };
}

export type CustomerExport = Awaited<ReturnType<typeof collectCustomerData>>;

/** Deletes every row about the person in one transaction; returns the number of rows per table. */
export async function deleteCustomerData(db: Db, cipher: PiiCipher, shopId: string, customerId: string): Promise<Record<string, number>> {
  const keys = await personKeys(db, shopId, customerId);
  const { email, phone } = await contactOf(db, cipher, shopId, customerId);
  const removed: Record<string, number> = {};
  await db.transaction(async (tx) => {
    const del = async (name: string, query: PromiseLike<unknown[]>) => {
      removed[name] = (await query).length;
    };
    const ofShop = <T extends { shopId: unknown; customerId: unknown }>(t: T) => and(eq(t.shopId as never, shopId), inArray(t.customerId as never, keys));
    const orderIds = (await tx.select({ id: orders.id }).from(orders).where(ofShop(orders))).map((o) => o.id);
    if (orderIds.length) await del('order_lines', tx.delete(orderLines).where(inArray(orderLines.orderId, orderIds)).returning({ id: orderLines.orderId }));
    await del('orders', tx.delete(orders).where(ofShop(orders)).returning({ id: orders.id }));
    await del('events', tx.delete(events).where(ofShop(events)).returning({ id: events.id }));
    await del('carts', tx.delete(carts).where(ofShop(carts)).returning({ id: carts.id }));
    await del('consents', tx.delete(consents).where(ofShop(consents)).returning({ id: consents.id }));
    await del('decisions', tx.delete(decisions).where(ofShop(decisions)).returning({ id: decisions.id }));
    await del('outcomes', tx.delete(outcomes).where(ofShop(outcomes)).returning({ id: outcomes.id }));
    await del('dispatches', tx.delete(dispatches).where(ofShop(dispatches)).returning({ id: dispatches.id }));
    await del('journeys', tx.delete(journeys).where(ofShop(journeys)).returning({ id: journeys.workflowId }));
    await del('provider_events', tx.delete(providerEvents).where(and(eq(providerEvents.shopId, shopId), inArray(providerEvents.customerId, keys))).returning({ id: providerEvents.id }));
    await del('frequency_slots', tx.delete(frequencySlots).where(ofShop(frequencySlots)).returning({ id: frequencySlots.customerId }));
    await del('audience_members', tx.delete(audienceMembers).where(ofShop(audienceMembers)).returning({ id: audienceMembers.customerId }));
    await del('push_subscriptions', tx.delete(pushSubscriptions).where(ofShop(pushSubscriptions)).returning({ id: pushSubscriptions.customerId }));
    await del('experiment_exposures', tx.delete(experimentExposures).where(ofShop(experimentExposures)).returning({ id: experimentExposures.customerId }));
    await del('customer_model_states', tx.delete(customerModelStates).where(inArray(customerModelStates.customerId, keys)).returning({ id: customerModelStates.customerId }));
    await del('trigger_outbox', tx.delete(triggerOutbox)
      .where(and(eq(triggerOutbox.shopId, shopId), inArray(triggerOutbox.orderKey, keys.map((k) => `customer:${k}`)))).returning({ id: triggerOutbox.id }));
    // Refused payloads are kept (encrypted, to be replayed): those that name the person go too, found by
    // the look-up hashes of the addresses in them, or by text in rows kept before bodies were encrypted.
    // Provider webhooks (Resend, Twilio) are kept without a shop: matched by the address hash alone.
    const named = [email, phone].filter((v): v is string => !!v);
    if (named.length) {
      const hashes = [...(email ? [cipher.lookupHash(normaliseEmail(email))] : []), ...(phone ? [cipher.lookupHash(phone)] : [])];
      const plain = and(eq(rejectedPayloads.bodyEncrypted, false), eq(rejectedPayloads.shopId, shopId),
        or(...named.map((v) => ilike(rejectedPayloads.body, `%${v.replace(/[%_\\]/g, '\\$&')}%`))));
      const byHash = and(or(eq(rejectedPayloads.shopId, shopId), isNull(rejectedPayloads.shopId)), arrayOverlaps(rejectedPayloads.piiHashes, hashes));
      await del('rejected_payloads', tx.delete(rejectedPayloads).where(or(byHash, plain)).returning({ id: rejectedPayloads.id }));
    }
    await del('contacts', tx.delete(contacts).where(ofShop(contacts)).returning({ id: contacts.customerId }));
    await del('customer_identities', tx.delete(customerIdentities).where(ofShop(customerIdentities)).returning({ id: customerIdentities.sourceId }));
    await del('customers', tx.delete(customers).where(and(eq(customers.shopId, shopId), inArray(customers.id, keys))).returning({ id: customers.id }));
  });
  return removed;
}
