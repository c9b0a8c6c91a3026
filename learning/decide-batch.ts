import { and, desc, eq, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { CustomerContext } from '../activities/customer-context.ts';
import { reachableChannels } from '../activities/customer-context.ts';
import type { Database } from '../db/client.ts';
import { consents, contacts, customers, shops } from '../db/schema.ts';
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
    const rows: { shop_id: string; customer_id: string; workflow_id: string; step: number; decision: Record<string, unknown> }[] = [];
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
      rows.push({ shop_id: request.shopId, customer_id: person.id, workflow_id: workflowId, step: request.step, decision: decisionRecord(decision, model, customer.lifecycle.stage) });
    }
    await storing;
    storing = rows.length ? storeDecisions(database, rows) : Promise.resolve();
  }
  await storing;
  return out;
}

/**
 * A chunk's decisions in one statement with one parameter: the rows as a JSON document. Building a
 * thousand-row multi-VALUES insert (five parameters a row) cost more CPU than deciding them.
 */
function storeDecisions(database: Database, rows: { shop_id: string; customer_id: string; workflow_id: string; step: number; decision: Record<string, unknown> }[]) {
  return database.rows(sql`
    insert into decisions (shop_id, customer_id, workflow_id, step, decision)
    select r.shop_id, r.customer_id, r.workflow_id, r.step, r.decision
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(shop_id text, customer_id text, workflow_id text, step int, decision jsonb)
    on conflict do nothing`);
}

/** Everything a chunk of customers' decisions reads, in four set-wise queries run together. */
async function loadChunk(database: Database, shopId: string, ids: string[]) {
  const { db } = database;
  // The chunk's IDs travel as one JSON parameter, not a thousand: building and binding those cost more than the queries.
  const idList = JSON.stringify(ids);
  const among = (column: AnyPgColumn) => sql`${column} in (select jsonb_array_elements_text(${idList}::jsonb))`;
  const [people, consentRows, contactRows, states] = await Promise.all([
    db
      .select({ id: customers.id, timezone: customers.timezone, shopTimezone: shops.timezone })
      .from(customers)
      .innerJoin(shops, eq(shops.id, customers.shopId))
      .where(and(eq(customers.shopId, shopId), among(customers.id))),
    db
      .selectDistinctOn([consents.customerId, consents.channel], { customerId: consents.customerId, channel: consents.channel, granted: consents.granted })
      .from(consents)
      .where(and(eq(consents.shopId, shopId), among(consents.customerId)))
      .orderBy(consents.customerId, consents.channel, desc(consents.recordedAt), desc(consents.id)),
    db
      .select({ customerId: contacts.customerId, email: contacts.emailEnc, phone: contacts.phoneEnc })
      .from(contacts)
      .where(and(eq(contacts.shopId, shopId), among(contacts.customerId))),
    db
      .select({ customerId: customerModelStates.customerId, state: customerModelStates.state })
      .from(customerModelStates)
      .where(and(eq(customerModelStates.shopId, shopId), among(customerModelStates.customerId))),
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
