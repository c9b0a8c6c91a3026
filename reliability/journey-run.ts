import type { Client } from '@temporalio/client';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { dispatches, products, shops } from '../db/schema.ts';
import { createApiKey } from '../lib/api-keys.ts';
import { daytimeZone } from '../scripts/demo/seed.ts';
import { journeyWorkflowId } from '../workflows/ids.ts';
import type { FakeTwilio } from '../test/fakes/twilio.ts';
import type { FakeEmail } from '../test/fakes/resend.ts';
import { bump, deliver, type Tally } from './load.ts';

// The journeys a fault run drives: customers with an e-mail address and a phone (some e-mail
// addresses undeliverable, to exercise the channel fallback), each leaving a cart behind.

export interface FaultShop {
  shopId: string;
  apiKey: string;
}

export interface RunCustomer {
  shop: FaultShop;
  userId: string;
  email: string;
  phone: string;
  cartId: string;
  customerId?: string;
  workflowId?: string;
}

const CATALOG = [
  { id: 'sku-tea', title: 'Green tea 250 g', priceMinor: 1290 },
  { id: 'sku-pot', title: 'Tea pot', priceMinor: 3490 },
];

export async function seedShops(db: Db, count: number, run: string): Promise<FaultShop[]> {
  const out: FaultShop[] = [];
  for (let i = 0; i < count; i++) {
    const shopId = `faults-${run}-${i}`;
    // The default frequency caps apply, compressed by JOURNEY_TIME_SCALE like every journey wait.
    await db.insert(shops).values({ id: shopId, name: `Fault shop ${i}`, currency: 'EUR', timezone: 'UTC', settings: {} });
    for (const p of CATALOG) await db.insert(products).values({ shopId, ...p, currency: 'EUR', stock: 1_000_000, category: 'tea', url: `https://shop.example/p/${p.id}` });
    out.push({ shopId, apiKey: await createApiKey(db, shopId, ['ingest'], 'faults') });
  }
  return out;
}

export function makeCustomers(shops: FaultShop[], count: number, run: string, undeliverableDomain: string, undeliverableEvery: number): RunCustomer[] {
  return Array.from({ length: count }, (_, i) => ({
    shop: shops[i % shops.length]!,
    userId: `u-${run}-${i}`,
    email: i % undeliverableEvery === 0 ? `c${i}.${run}@${undeliverableDomain}` : `c${i}.${run}@faults.example`,
    phone: `+4915${String(10_000_000 + i).padStart(8, '0')}`,
    cartId: `cart-${run}-${i}`,
  }));
}

/** Sends a customer's profile (with consent) and cart until both are stored; returns the journey's workflow ID. */
export async function startJourney(apiUrl: string, c: RunCustomer, tally: Tally, deadline: number): Promise<void> {
  const occurredAt = () => new Date().toISOString();
  const customer = { userId: c.userId, email: c.email, phone: c.phone, timezone: daytimeZone() };
  const profile = await deliver(`${apiUrl}/v1/events`, c.shop.apiKey, {
    type: 'customer_updated', eventId: `cu-${c.userId}`, occurredAt: occurredAt(), customer,
    consents: [{ channel: 'email', granted: true }, { channel: 'sms', granted: true }],
  }, tally, deadline);
  if (profile.status !== 202 && profile.status !== 200) return void bump(tally, `profile_not_stored_${profile.status}`);
  const cart = await deliver(`${apiUrl}/v1/events`, c.shop.apiKey, {
    type: 'cart_updated', eventId: `cart-${c.userId}`, occurredAt: occurredAt(), customer, cartId: c.cartId, currency: 'EUR',
    items: [{ productId: 'sku-tea', quantity: 2, priceMinor: 1290 }, { productId: 'sku-pot', quantity: 1, priceMinor: 3490 }],
  }, tally, deadline);
  const customerId = cart.json?.customerId;
  if (typeof customerId === 'string') c.customerId = customerId;
  if (typeof customerId === 'string') c.workflowId = journeyWorkflowId('cart-abandon', c.shop.shopId, customerId, c.cartId);
  else bump(tally, `cart_not_stored_${cart.status}`);
}

/** Workflow status names of the run's journeys ('NOT_FOUND' for one Temporal does not know). */
export async function journeyStatuses(temporal: Client, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map(async (id) => {
      const status = await temporal.workflow.getHandle(id).describe().then((d) => d.status.name, (error: unknown) =>
        (error as Error).name === 'WorkflowNotFoundError' ? 'NOT_FOUND' : `ERROR`);
      out.set(id, status);
    }));
  }
  return out;
}

export interface SendCounts {
  /** Ledger rows marked sent or delivered. */
  ledgerSent: number;
  /** Messages the provider fakes accepted (each distinct message, not each request). */
  providerMessages: number;
  /** Journey steps with more than one message, by the ledger or by what recipients got. */
  duplicates: number;
  /** Ledger says sent, the recipient got nothing. */
  lostSends: number;
  fallbacks: number;
}

/**
 * Exactly once, checked from both ends: the ledger has at most one sent row per journey step, and each
 * customer received as many messages (e-mail and SMS together) as the ledger says were sent to them.
 */
export async function countSends(db: Db, customers: RunCustomer[], resend: { emails: FakeEmail[] }, twilio: FakeTwilio): Promise<SendCounts> {
  // Every journey of these customers counts (a new customer's onboarding journey sends too).
  const customerIds = customers.flatMap((c) => (c.customerId ? [c.customerId] : []));
  const rows = [];
  for (let i = 0; i < customerIds.length; i += 500) {
    rows.push(...(await db.select().from(dispatches).where(inArray(dispatches.customerId, customerIds.slice(i, i + 500)))));
  }
  const sent = rows.filter((r) => r.status === 'sent' || r.status === 'delivered');
  const perStep = new Map<string, number>();
  for (const r of sent) bump(perStep, `${r.workflowId}#${r.step}`);
  let duplicates = [...perStep.values()].reduce((n, v) => n + Math.max(0, v - 1), 0);

  const received = new Map<string, number>();
  for (const e of resend.emails) for (const to of e.to) bump(received, to);
  for (const m of twilio.messages) bump(received, m.to);
  const ledgerByCustomer = new Map<string, number>();
  for (const r of sent) bump(ledgerByCustomer, r.customerId);
  let lostSends = 0;
  for (const c of customers) {
    const ledger = c.customerId ? ledgerByCustomer.get(c.customerId) ?? 0 : 0;
    const got = (received.get(c.email) ?? 0) + (received.get(c.phone) ?? 0);
    duplicates += Math.max(0, got - ledger);
    lostSends += Math.max(0, ledger - got);
  }
  return {
    ledgerSent: sent.length,
    providerMessages: resend.emails.length + twilio.messages.length,
    duplicates,
    lostSends,
    fallbacks: sent.filter((r) => r.channel === 'sms').length,
  };
}
