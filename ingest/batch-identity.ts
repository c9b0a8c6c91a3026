import { sql } from 'drizzle-orm';
import { normaliseEmail, type PiiCipher } from '../lib/pii.ts';
import type { CustomerRef } from './canonical.ts';
import { identityKeys, mergeCustomer, newCustomerKey, type Tx } from './identity.ts';
import { run } from './sql-rows.ts';
import { timezoneFromAddress } from './timezone.ts';

// resolveCustomer's rules for a whole request at once: the customers and identities the request
// names are read with two statements (one index probe per key, see ingest/sql-rows.ts), the rules run in memory in the order the events were sent (so an
// identify merges the views sent before it, and the views after it find the merged customer), and what
// changed is written with a handful of set-wise statements.

export interface ResolvedRef {
  customerId: string;
  created: boolean;
  identified: boolean;
  /** Still anonymous after this event (ResolvedCustomer.anonymous). */
  anonymous: boolean;
  /** An anonymous visitor was folded into the customer with this event (their carts are the customer's now). */
  merged: boolean;
  /** The customer's time zone right after this event (what applyEvent one by one would have stored by then). */
  timezone?: string | null;
}

interface Known {
  anonymous: boolean;
  timezone: string | null;
  locale: string | null;
  isNew: boolean;
  dirty: boolean;
}

/** Another request created one of these identities first; the caller retries and finds it. */
export class IdentityRace extends Error {
  override name = 'IdentityRace';
}

/**
 * Resolves the customers of a request's events. When a concurrent request created one of the same
 * visitors first, this request's attempt is rolled back to a savepoint and planned again, now seeing
 * the other's (committed) customer, instead of running the whole transaction again: while requests
 * naming many new visitors run side by side, one can lose a race on nearly every attempt.
 */
export async function resolveCustomers(tx: Tx, cipher: PiiCipher, shopId: string, source: string, refs: (CustomerRef | undefined)[]): Promise<(ResolvedRef | undefined)[]> {
  if (refs.every((r) => r === undefined)) return refs.map(() => undefined);
  for (let attempt = 1; ; attempt++) {
    try {
      return await tx.transaction((sp) => resolveOnce(sp, cipher, shopId, source, refs));
    } catch (error) {
      if (!(error instanceof IdentityRace) || attempt >= 8) throw error;
    }
  }
}

async function resolveOnce(tx: Tx, cipher: PiiCipher, shopId: string, source: string, refs: (CustomerRef | undefined)[]): Promise<(ResolvedRef | undefined)[]> {
  const keysOf = refs.map((r) => (r ? identityKeys(r) : undefined));
  const emails = refs.map((r) => (r?.email ? normaliseEmail(r.email) : undefined));
  const hashes = emails.map((e) => (e ? cipher.lookupHash(e) : undefined));
  const wanted = [...new Set(keysOf.flatMap((k) => (k ? [k.user, k.anon] : [])).filter((k): k is string => k !== undefined))];
  const keyMap = new Map<string, string>();
  const customers = new Map<string, Known>();
  const remember = (r: { customerId: string; anonymous: boolean; timezone: string | null; locale: string | null }) => {
    if (!customers.has(r.customerId)) customers.set(r.customerId, { anonymous: r.anonymous, timezone: r.timezone, locale: r.locale, isNew: false, dirty: false });
  };
  if (wanted.length) {
    const found = (await run<{ sourceId: string; customerId: string; anonymous: boolean; timezone: string | null; locale: string | null }>(tx, sql`
      select f.* from jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb) as k(key)
      cross join lateral (select i.source_id as "sourceId", i.customer_id as "customerId", c.anonymous, c.timezone, c.locale
        from customer_identities i join customers c on c.id = i.customer_id
        where i.shop_id = ${shopId} and i.source = ${source} and i.source_id = k.key offset 0) f`));
    for (const f of found) {
      keyMap.set(f.sourceId, f.customerId);
      remember(f);
    }
  }
  const emailMap = new Map<string, string>();
  const wantedHashes = [...new Set(hashes.filter((h): h is string => h !== undefined))];
  if (wantedHashes.length) {
    const found = (await run<{ hash: string; customerId: string; anonymous: boolean; timezone: string | null; locale: string | null }>(tx, sql`
      select h.hash, f.* from jsonb_array_elements_text(${JSON.stringify(wantedHashes)}::jsonb) as h(hash)
      cross join lateral (select k.customer_id as "customerId", c.anonymous, c.timezone, c.locale
        from contacts k join customers c on c.id = k.customer_id
        where k.shop_id = ${shopId} and k.email_hash = h.hash order by k.customer_id limit 1) f`));
    for (const f of found) {
      emailMap.set(f.hash, f.customerId);
      remember(f);
    }
  }

  const alias = new Map<string, string>();
  const final = (id: string) => {
    for (let next = alias.get(id); next; next = alias.get(id)) id = next;
    return id;
  };
  const newKeys = new Map<string, string>();
  const merges: [string, string][] = [];
  const contactPlans = new Map<string, { email?: string; emailHash?: string; phone?: string }>();
  const out: (ResolvedRef | undefined)[] = refs.map((ref, i) => {
    if (!ref) return undefined;
    const keys = keysOf[i]!;
    const email = emails[i];
    const hash = hashes[i];
    const byUser = keys.user && keyMap.has(keys.user) ? final(keyMap.get(keys.user)!) : undefined;
    const byAnon = keys.anon && keyMap.has(keys.anon) ? final(keyMap.get(keys.anon)!) : undefined;
    const byEmail = !byUser && hash && emailMap.has(hash) ? final(emailMap.get(hash)!) : undefined;
    const known = byUser ?? byEmail;
    const identifiedNow = ref.userId !== undefined || email !== undefined;
    const timezone = ref.timezone ?? timezoneFromAddress(ref.address) ?? null;
    let customerId: string;
    let created = false;
    let identified = false;
    let merged = false;
    if (known) {
      customerId = known;
      identified = customers.get(known)!.anonymous && identifiedNow;
      const visitor = byAnon ? customers.get(byAnon) : undefined;
      if (byAnon && visitor && byAnon !== customerId && visitor.anonymous) {
        alias.set(byAnon, customerId);
        merged = true;
        if (!visitor.isNew) merges.push([byAnon, customerId]);
        const theirs = contactPlans.get(byAnon);
        if (theirs && !contactPlans.has(customerId)) contactPlans.set(customerId, theirs);
        contactPlans.delete(byAnon);
      }
    } else if (byAnon) {
      customerId = byAnon;
      identified = customers.get(byAnon)!.anonymous && identifiedNow;
    } else {
      customerId = newCustomerKey();
      created = true;
      identified = identifiedNow;
      customers.set(customerId, { anonymous: !identifiedNow, timezone, locale: ref.locale ?? null, isNew: true, dirty: false });
    }
    const c = customers.get(customerId)!;
    if (!created) {
      if (timezone && timezone !== c.timezone) Object.assign(c, { timezone, dirty: true });
      if (ref.locale && ref.locale !== c.locale) Object.assign(c, { locale: ref.locale, dirty: true });
      if (identified) Object.assign(c, { anonymous: false, dirty: true });
    }
    for (const key of [keys.user, keys.anon]) {
      if (key === undefined || keyMap.has(key)) continue;
      keyMap.set(key, customerId);
      newKeys.set(key, customerId);
    }
    if (email || ref.phone) {
      const plan = contactPlans.get(customerId) ?? {};
      if (email && hash) Object.assign(plan, { email, emailHash: hash });
      if (ref.phone) plan.phone = ref.phone;
      contactPlans.set(customerId, plan);
      if (hash) emailMap.set(hash, customerId);
    }
    return { customerId, created, identified, anonymous: c.anonymous, merged, timezone: c.timezone };
  });

  // Write what changed. New customers first (identities and merges point at them), in key order so
  // concurrent requests lock the same rows in the same order.
  const fresh = [...customers.entries()].filter(([id, c]) => c.isNew && !alias.has(id)).map(([id, c]) => ({ id, a: c.anonymous, t: c.timezone, l: c.locale }));
  const identities = [...newKeys.entries()].map(([k, id]) => ({ k, c: final(id) })).sort((a, b) => (a.k < b.k ? -1 : 1));
  if (fresh.length || identities.length) {
    // One statement; the identities' reference to a new customer is checked at its end.
    const [written] = await run<{ won: number }>(tx, sql`with c as (
        insert into customers (id, shop_id, anonymous, timezone, locale)
        select r.id, ${shopId}, r.a, r.t, r.l from jsonb_to_recordset(${JSON.stringify(fresh)}::jsonb) as r(id text, a boolean, t text, l text)),
      i as (
        insert into customer_identities (shop_id, source, source_id, customer_id)
        select ${shopId}, ${source}, r.k, r.c from jsonb_to_recordset(${JSON.stringify(identities)}::jsonb) as r(k text, c text)
        on conflict do nothing returning 1)
      select count(*)::int as won from i`);
    if ((written?.won ?? 0) < identities.length) throw new IdentityRace('another request created the same visitor at the same time');
  }
  for (const [from, into] of merges) await mergeCustomer(tx, from, final(into));
  const changed = [...customers.entries()].filter(([id, c]) => !c.isNew && c.dirty && !alias.has(id)).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, k]) => ({ id, t: k.timezone, l: k.locale, a: k.anonymous }));
  const contactRows = [...contactPlans.entries()].map(([id, p]) => ({
    id: final(id), e: p.email ? cipher.encrypt(p.email) : null, eh: p.emailHash ?? null,
    p: p.phone ? cipher.encrypt(p.phone) : null, ph: p.phone ? cipher.lookupHash(p.phone) : null,
  })).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (changed.length || contactRows.length) {
    // `id = any(array(...))` keeps the update an index look-up per customer whatever the plan.
    await run(tx, sql`with u as (
        update customers c set timezone = coalesce(r.t, c.timezone), locale = coalesce(r.l, c.locale), anonymous = r.a
        from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id text, t text, l text, a boolean)
        where c.id = any(array(select x->>'id' from jsonb_array_elements(${JSON.stringify(changed)}::jsonb) x)) and c.id = r.id)
      insert into contacts (customer_id, shop_id, email_enc, email_hash, phone_enc, phone_hash, updated_at)
      select r.id, ${shopId}, r.e, r.eh, r.p, r.ph, now() from jsonb_to_recordset(${JSON.stringify(contactRows)}::jsonb)
      as r(id text, e text, eh text, p text, ph text)
      on conflict (customer_id) do update set email_enc = coalesce(excluded.email_enc, contacts.email_enc), email_hash = coalesce(excluded.email_hash, contacts.email_hash),
        phone_enc = coalesce(excluded.phone_enc, contacts.phone_enc), phone_hash = coalesce(excluded.phone_hash, contacts.phone_hash), updated_at = now()`);
  }
  return out.map((r) => (r ? { ...r, customerId: final(r.customerId) } : undefined));
}
