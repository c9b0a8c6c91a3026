import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { consents, contacts, customers, shops } from '../db/schema.ts';
import type { Channel } from '../workflows/types.ts';

export interface CustomerContext {
  timezone: string;
  locale: string | null;
  stage: string;
  currency: string;
  quietStartMinute: number;
  quietEndMinute: number;
  /** Latest consent per channel; a channel never asked about is absent. */
  consent: Partial<Record<Channel, boolean>>;
  /** Channels we hold an address for. */
  reachable: Channel[];
}

export class UnknownCustomerError extends Error {
  constructor(shopId: string, customerId: string) {
    super(`customer ${customerId} does not exist in shop ${shopId}`);
    this.name = 'UnknownCustomerError';
  }
}

/** Channels an address on file lets us use: e-mail for an e-mail address, SMS and WhatsApp for a phone. */
export function reachableChannels(has: { email: boolean; phone: boolean }): Channel[] {
  return [...(has.email ? (['email'] as const) : []), ...(has.phone ? (['sms', 'whatsapp'] as const) : [])];
}

/** Everything decide and recheck need to know about a customer, without reading their PII. */
export async function loadCustomerContext(db: Db, shopId: string, customerId: string): Promise<CustomerContext> {
  const [[row], consentRows, [contact]] = await Promise.all([
    db
      .select({ customer: customers, shop: shops })
      .from(customers)
      .innerJoin(shops, eq(shops.id, customers.shopId))
      .where(and(eq(customers.shopId, shopId), eq(customers.id, customerId))),
    db
      .select({ channel: consents.channel, granted: consents.granted })
      .from(consents)
      .where(and(eq(consents.shopId, shopId), eq(consents.customerId, customerId)))
      .orderBy(desc(consents.recordedAt), desc(consents.id)),
    db
      .select({ email: contacts.emailEnc, phone: contacts.phoneEnc })
      .from(contacts)
      .where(and(eq(contacts.shopId, shopId), eq(contacts.customerId, customerId))),
  ]);
  if (!row) throw new UnknownCustomerError(shopId, customerId);
  return customerContextFrom(row.customer, row.shop, consentRows, { email: Boolean(contact?.email), phone: Boolean(contact?.phone) });
}

/** The context from the customer's and shop's rows, their consents newest first, and which addresses exist. */
export function customerContextFrom(
  customer: { timezone: string | null; locale: string | null; stage: string },
  shop: { timezone: string; currency: string; quietStartMinute: number; quietEndMinute: number },
  consentsNewestFirst: { channel: string; granted: boolean }[],
  addresses: { email: boolean; phone: boolean },
): CustomerContext {
  const consent: Partial<Record<Channel, boolean>> = {};
  for (const c of consentsNewestFirst) consent[c.channel as Channel] ??= c.granted;
  return {
    timezone: customer.timezone ?? shop.timezone,
    locale: customer.locale,
    stage: customer.stage,
    currency: shop.currency,
    quietStartMinute: shop.quietStartMinute,
    quietEndMinute: shop.quietEndMinute,
    consent,
    reachable: reachableChannels(addresses),
  };
}
