import { and, eq, inArray } from 'drizzle-orm';
import { customerIdentities, customers, events } from '../db/schema.ts';
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
    const seen = await tx
      .select({ id: events.sourceEventId })
      .from(events)
      .where(and(eq(events.shopId, shopId), eq(events.source, source), inArray(events.sourceEventId, views.map((v) => v.eventId))));
    const dup = new Set(seen.map((s) => s.id));
    const keysOf = views.map((v) => identityKeys(v.customer));
    const wanted = [...new Set(keysOf.flatMap((k) => [k.user, k.anon]).filter((k): k is string => k !== undefined))];
    const known = new Map<string, string>();
    for (const row of await tx
      .select({ sourceId: customerIdentities.sourceId, customerId: customerIdentities.customerId })
      .from(customerIdentities)
      .where(and(eq(customerIdentities.shopId, shopId), eq(customerIdentities.source, source), inArray(customerIdentities.sourceId, wanted)))) {
      known.set(row.sourceId, row.customerId);
    }
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
      const inserted = await tx
        .insert(events)
        .values(rows.map(({ index, customerId }) => {
          const v = views[index]!;
          return { shopId, customerId, type: v.type, source, sourceEventId: v.eventId, occurredAt: new Date(v.occurredAt), productId: v.productId,
            dwellMs: v.dwellMs ?? null, props: v.priceMinor === undefined ? {} : { priceMinor: v.priceMinor, currency: v.currency } };
        }))
        .onConflictDoNothing()
        .returning({ sourceEventId: events.sourceEventId });
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
