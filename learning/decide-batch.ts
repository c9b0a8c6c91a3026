import { and, desc, eq, inArray } from 'drizzle-orm';
import type { CustomerContext } from '../activities/customer-context.ts';
import { reachableChannels } from '../activities/customer-context.ts';
import type { Database } from '../db/client.ts';
import { consents, contacts, customers, decisions, shops } from '../db/schema.ts';
import { customerModelStates, discountSegmentStates } from '../db/schema-models.ts';
import { newCustomerModelState, newDiscountSegmentState, type DiscountSegmentState } from '../models/state.ts';
import type { Channel, DecideRequest, Decision } from '../workflows/types.ts';
import { decideStep, decisionRecord } from './decide-core.ts';
import { discountSegmentKey, loadShopModel } from './model-store.ts';

export interface BatchRequest extends Omit<DecideRequest, 'customerId' | 'workflowId'> {
  customerIds: string[];
  workflowIdFor: (customerId: string) => string;
  timeScale: number;
  /** The value at stake per customer, e.g. the campaign items' price. */
  basketValueMinor: number;
  /** Fewer Monte-Carlo draws behind the propensities keep a large fan-out fast (default 100). */
  propensityDraws?: number;
}

const CHUNK = 1000;

/**
 * Decides one journey step for many customers at once (a campaign's fan-out): state is loaded in a
 * few set-wise queries per chunk, the same decideStep as the activity runs in-process, and the
 * decisions are stored in bulk, so a child journey's decide activity later finds its stored decision.
 */
export async function decideBatch(database: Database, request: BatchRequest): Promise<Map<string, Decision>> {
  const { db } = database;
  const shop = await loadShopModel(db, request.shopId);
  const segments = new Map<string, DiscountSegmentState>();
  for (const row of await db.select().from(discountSegmentStates).where(eq(discountSegmentStates.shopId, request.shopId))) segments.set(row.segment, row.state);
  const { basketValueMinor } = request;
  const out = new Map<string, Decision>();
  const chunks: string[][] = [];
  for (let i = 0; i < request.customerIds.length; i += CHUNK) chunks.push(request.customerIds.slice(i, i + CHUNK));
  // Pipelined: the next chunk's state loads and the previous chunk's inserts run while this one decides.
  let loading = chunks[0] ? loadChunk(database, request.shopId, chunks[0]) : null;
  let storing: Promise<unknown> = Promise.resolve();
  for (let c = 0; c < chunks.length; c++) {
    const chunk = await loading!;
    loading = chunks[c + 1] ? loadChunk(database, request.shopId, chunks[c + 1]!) : null;
    const rows: (typeof decisions.$inferInsert)[] = [];
    for (const person of chunk.people) {
      const timezone = person.timezone ?? person.shopTimezone;
      const customer = chunk.stateOf.get(person.id) ?? newCustomerModelState(timezone, request.earliest);
      const segment = discountSegmentKey(customer.lifecycle.stage);
      const contact = chunk.contactOf.get(person.id);
      const context: Pick<CustomerContext, 'consent' | 'reachable'> = {
        consent: chunk.consentOf.get(person.id) ?? {},
        reachable: reachableChannels({ email: Boolean(contact?.email), phone: Boolean(contact?.phone) }),
      };
      const workflowId = request.workflowIdFor(person.id);
      const { decision, model } = decideStep({
        request: { ...request, customerId: person.id, workflowId },
        context,
        shop,
        customer: customer.timeZone === timezone ? customer : { ...customer, timeZone: timezone },
        discount: segments.get(segment) ?? newDiscountSegmentState(segment, request.earliest),
        basketValueMinor,
        timeScale: request.timeScale,
        propensityDraws: request.propensityDraws ?? 100,
      });
      out.set(person.id, decision);
      rows.push({ shopId: request.shopId, customerId: person.id, workflowId, step: request.step, decision: decisionRecord(decision, model, customer.lifecycle.stage) });
    }
    await storing;
    storing = rows.length ? db.insert(decisions).values(rows).onConflictDoNothing() : Promise.resolve();
  }
  await storing;
  return out;
}

/** Everything a chunk of customers' decisions reads, in four set-wise queries run together. */
async function loadChunk(database: Database, shopId: string, ids: string[]) {
  const { db } = database;
  const [people, consentRows, contactRows, states] = await Promise.all([
    db
      .select({ id: customers.id, timezone: customers.timezone, shopTimezone: shops.timezone })
      .from(customers)
      .innerJoin(shops, eq(shops.id, customers.shopId))
      .where(and(eq(customers.shopId, shopId), inArray(customers.id, ids))),
    db
      .selectDistinctOn([consents.customerId, consents.channel], { customerId: consents.customerId, channel: consents.channel, granted: consents.granted })
      .from(consents)
      .where(and(eq(consents.shopId, shopId), inArray(consents.customerId, ids)))
      .orderBy(consents.customerId, consents.channel, desc(consents.recordedAt), desc(consents.id)),
    db
      .select({ customerId: contacts.customerId, email: contacts.emailEnc, phone: contacts.phoneEnc })
      .from(contacts)
      .where(and(eq(contacts.shopId, shopId), inArray(contacts.customerId, ids))),
    db
      .select({ customerId: customerModelStates.customerId, state: customerModelStates.state })
      .from(customerModelStates)
      .where(and(eq(customerModelStates.shopId, shopId), inArray(customerModelStates.customerId, ids))),
  ]);
  const consentOf = new Map<string, Partial<Record<Channel, boolean>>>();
  for (const c of consentRows) consentOf.set(c.customerId, { ...consentOf.get(c.customerId), [c.channel]: c.granted });
  return {
    people,
    consentOf,
    contactOf: new Map(contactRows.map((c) => [c.customerId, c])),
    stateOf: new Map(states.map((s) => [s.customerId, s.state])),
  };
}
