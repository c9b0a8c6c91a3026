import { inArray, sql } from 'drizzle-orm';
import { customerIdentities, customers } from '../db/schema.ts';
import { BROWSE_DWELL_MS, type CanonicalEvent } from './canonical.ts';
import type { EntryDeps, EntryEffect } from './entry.ts';
import { identityKeys, newCustomerKey } from './identity.ts';
import { timezoneFromAddress } from './timezone.ts';

type View = Extract<CanonicalEvent, { type: 'product_viewed' }>;

/**
 * A view that can be stored set-wise: it carries no contact details, no dwell long enough to trigger
 * anything, so storing it is only "resolve the visitor, insert the row". Anything else goes one by one.
 */
export function isBulkView(event: CanonicalEvent): event is View {
  return event.type === 'product_viewed' && (event.dwellMs ?? 0) < BROWSE_DWELL_MS && !event.customer.email && !event.customer.phone;
}

/**
 * The same rules as applyEvent, for many views in one transaction: dedupe on (shop, source, eventId),
 * the visitor resolved by user id then anonymous id, unknown visitors created. Views whose two ids point
 * at different customers (an identify not yet processed) come back as 'slow' for applyEvent to merge.
 */
export async function applyBulkViews(deps: EntryDeps, shopId: string, source: string, views: View[]): Promise<(EntryEffect | 'slow')[]> {
  return deps.database.db.transaction(async (tx) => {
    const out: (EntryEffect | 'slow')[] = new Array(views.length);
    // One JSON parameter per statement instead of hundreds of scalars: the statement text stays the
    // same whatever the batch size, and building it costs nothing.
    const seen = rowsOf<{ id: string }>(await tx.execute(sql`select source_event_id as id from events where shop_id = ${shopId} and source = ${source}
      and source_event_id in (select jsonb_array_elements_text(${JSON.stringify(views.map((v) => v.eventId))}::jsonb))`));
    const dup = new Set(seen.map((s) => s.id));
    const keysOf = views.map((v) => identityKeys(v.customer));
    const wanted = [...new Set(keysOf.flatMap((k) => [k.user, k.anon]).filter((k): k is string => k !== undefined))];
    const known = new Map<string, string>();
    const identities = rowsOf<{ sourceId: string; customerId: string }>(await tx.execute(sql`select source_id as "sourceId", customer_id as "customerId"
      from customer_identities where shop_id = ${shopId} and source = ${source} and source_id in (select jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))`));
    for (const row of identities) known.set(row.sourceId, row.customerId);
    // Visitors seen for the first time: one new customer per first key, created together.
    const created = new Map<string, { id: string; view: View }>();
    const customerOf: (string | 'slow' | 'dup')[] = views.map((v, i) => {
      if (dup.has(v.eventId)) return 'dup';
      const k = keysOf[i]!;
      const byUser = k.user ? known.get(k.user) : undefined;
      const byAnon = k.anon ? known.get(k.anon) : undefined;
      if (byUser && byAnon && byUser !== byAnon) return 'slow';
      if (k.user && k.anon && (byUser === undefined) !== (byAnon === undefined)) return 'slow';
      const found = byUser ?? byAnon;
      if (found) return found;
      const primary = (k.user ?? k.anon)!;
      let entry = created.get(primary);
      if (!entry) created.set(primary, (entry = { id: newCustomerKey(), view: v }));
      return entry.id;
    });
    const createdIds = new Set<string>();
    if (created.size) {
      const rows = [...created.values()];
      await tx.insert(customers).values(rows.map(({ id, view }) => ({
        id, shopId, anonymous: view.customer.userId === undefined, locale: view.customer.locale ?? null,
        timezone: view.customer.timezone ?? timezoneFromAddress(view.customer.address) ?? null,
      })));
      const identities = [...created.entries()].flatMap(([primary, { id, view }]) => {
        const k = identityKeys(view.customer);
        return [primary, ...(k.user && k.anon ? [k.anon] : [])].map((sourceId) => ({ shopId, source, sourceId, customerId: id }));
      });
      const ours = new Set(rows.map((r) => r.id));
      const won = await tx.insert(customerIdentities).values(identities).onConflictDoNothing().returning({ customerId: customerIdentities.customerId });
      for (const w of won) createdIds.add(w.customerId);
      // Another request created some of these visitors first: theirs wins, ours go back to one-by-one.
      for (const [i, c] of customerOf.entries()) {
        if (typeof c === 'string' && ours.has(c) && !createdIds.has(c)) customerOf[i] = 'slow';
      }
      const lost = rows.filter((r) => !createdIds.has(r.id)).map((r) => r.id);
      if (lost.length) await tx.delete(customers).where(inArray(customers.id, lost));
    }
    const rows: { index: number; customerId: string }[] = [];
    customerOf.forEach((c, index) => {
      if (c === 'dup') out[index] = { duplicate: true };
      else if (c === 'slow') out[index] = 'slow';
      else rows.push({ index, customerId: c });
    });
    if (rows.length) {
      const records = rows.map(({ index, customerId }) => {
        const v = views[index]!;
        return { c: customerId, e: v.eventId, t: v.occurredAt, p: v.productId, d: v.dwellMs ?? null,
          j: v.priceMinor === undefined ? {} : { priceMinor: v.priceMinor, currency: v.currency } };
      });
      const inserted = rowsOf<{ sourceEventId: string }>(await tx.execute(sql`insert into events (shop_id, customer_id, type, source, source_event_id, occurred_at, product_id, dwell_ms, props)
        select ${shopId}, r.c, 'product_viewed', ${source}, r.e, r.t, r.p, r.d, r.j
        from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(c text, e text, t timestamptz, p text, d integer, j jsonb)
        on conflict do nothing returning source_event_id as "sourceEventId"`));
      const stored = new Set(inserted.map((r) => r.sourceEventId));
      const firstCreation = new Set<string>();
      for (const { index, customerId } of rows) {
        const v = views[index]!;
        if (!stored.has(v.eventId)) {
          out[index] = { duplicate: true };
          continue;
        }
        const isNew = createdIds.has(customerId) && !firstCreation.has(customerId);
        if (isNew) firstCreation.add(customerId);
        stored.delete(v.eventId);
        out[index] = { duplicate: false, customerId, customerCreated: isNew, identified: isNew && v.customer.userId !== undefined, event: v };
      }
    }
    return out;
  });
}

/** Rows of a raw statement, whichever driver ran it (postgres.js gives an array, PGlite an object). */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []));
