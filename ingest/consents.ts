import { sql } from 'drizzle-orm';
import type { CustomerEvent } from './canonical.ts';
import type { Tx } from './identity.ts';
import { run, type Reader } from './sql-rows.ts';

type ConsentChannel = 'email' | 'sms' | 'whatsapp' | 'push';
/** The latest consent per `customer/channel`. */
export type LatestConsents = Map<string, { granted: boolean; recordedAt: Date }>;
type CustomerUpdate = Extract<CustomerEvent, { type: 'customer_updated' }>;

/**
 * Records each consent that differs from the customer's current one for the channel, with its source
 * and time (platforms resend unchanged consent on every customer update). Returns the channels whose
 * consent was withdrawn by this event.
 */
export async function recordConsents(tx: Tx, shopId: string, customerId: string, source: string, event: CustomerUpdate): Promise<ConsentChannel[]> {
  return (await recordConsentsOf(tx, shopId, source, [{ customerId, event }]))[0]!;
}

/** The latest consents of the customers whose updates carry consents, read with one statement. */
export async function latestConsents(read: Reader, shopId: string, updates: { customerId: string; event: CustomerUpdate }[]): Promise<LatestConsents> {
  const latest: LatestConsents = new Map();
  const ids = [...new Set(updates.filter((u) => u.event.consents.length > 0).map((u) => u.customerId))];
  if (ids.length === 0) return latest;
  for (const r of await read<{ customerId: string; channel: string; granted: boolean; recordedAt: string | Date }>(sql`
    select k.id as "customerId", l.channel, l.granted, l.recorded_at as "recordedAt"
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as k(id)
    cross join lateral (select distinct on (channel) channel, granted, recorded_at from consents
      where customer_id = k.id and shop_id = ${shopId} order by channel, recorded_at desc, id desc) l`)) {
    latest.set(`${r.customerId}/${r.channel}`, { granted: r.granted, recordedAt: new Date(r.recordedAt) });
  }
  return latest;
}

/**
 * recordConsents for many customer updates of one request, applied in the order given: the latest
 * consent per customer and channel is read with one statement (or given, read with the request's
 * other look-ups) and the changes written with one more. Returns the withdrawn channels of each update.
 */
export async function recordConsentsOf(tx: Tx, shopId: string, source: string, updates: { customerId: string; event: CustomerUpdate }[],
  known?: LatestConsents): Promise<ConsentChannel[][]> {
  const withdrawn = updates.map((): ConsentChannel[] => []);
  if (updates.every((u) => u.event.consents.length === 0)) return withdrawn;
  const latest = known ?? await latestConsents((q) => run(tx, q), shopId, updates);
  const rows: { c: string; ch: string; g: boolean; at: string }[] = [];
  updates.forEach(({ customerId, event }, i) => {
    for (const change of event.consents) {
      const at = new Date(change.at ?? event.occurredAt);
      const key = `${customerId}/${change.channel}`;
      const current = latest.get(key);
      if (current && (current.granted === change.granted || current.recordedAt > at)) continue;
      rows.push({ c: customerId, ch: change.channel, g: change.granted, at: at.toISOString() });
      latest.set(key, { granted: change.granted, recordedAt: at });
      if (current?.granted && !change.granted) withdrawn[i]!.push(change.channel);
    }
  });
  if (rows.length) {
    // Ids follow the order of the changes, the tie-break between consents recorded at the same instant.
    await run(tx, sql`insert into consents (shop_id, customer_id, channel, granted, source, recorded_at)
      select ${shopId}, r.c, r.ch, r.g, ${source}, r.at from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as e(v, ord)
      cross join lateral jsonb_to_record(e.v) as r(c text, ch text, g boolean, at timestamptz) order by e.ord`);
  }
  return withdrawn;
}
