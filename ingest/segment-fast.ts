import type { CanonicalEvent, CustomerRef } from './canonical.ts';
import { decimalToMinor } from './money.ts';
import { isIanaZone } from './timezone.ts';

// Most of a shop's Segment traffic is one shape: a track "Product Viewed" with an id, a timestamp, a
// product and maybe a price. Its zod path (three schema passes: the message, its properties, the
// canonical event) was a third of the ingest endpoint's CPU. This maps that shape with plain checks
// and answers null for anything else, or for anything it is not sure of: the zod path then decides
// and names what is wrong. It never accepts what the zod path would refuse, and what it returns is
// what the zod path returns (segment-fast.test.ts checks both over random messages).

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A canonical id: 1 to 200 characters, no NUL (Postgres text cannot hold it). */
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 200 && !v.includes('\u0000');
/** Only the form toISOString writes, and only a real instant: a strict subset of the ISO 8601 the zod path accepts. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isUtcInstant = (v: unknown): v is string => {
  if (typeof v !== 'string' || !ISO_UTC.test(v)) return false;
  const t = Date.parse(v);
  return !Number.isNaN(t) && new Date(t).toISOString() === v;
};

/** The canonical product_viewed of a plain "Product Viewed" track message, or null (take the zod path). */
export function fastProductViewed(m: unknown, shopCurrency: string): CanonicalEvent | null {
  if (!isPlain(m) || m.event !== 'Product Viewed' || (m.type !== undefined && m.type !== 'track')) return null;
  if (!isId(m.messageId) || !isUtcInstant(m.timestamp) || (m.sentAt !== undefined && !isUtcInstant(m.sentAt))) return null;
  const { userId, anonymousId, context, properties: p } = m;
  if ((userId !== undefined && userId !== null && !isId(userId)) || (anonymousId !== undefined && anonymousId !== null && !isId(anonymousId))) return null;
  if (!userId && !anonymousId) return null;
  if (context !== undefined && (!isPlain(context) || context.traits !== undefined)) return null;
  const timezone = context?.timezone;
  const locale = context?.locale;
  if (timezone !== undefined && (typeof timezone !== 'string' || (timezone !== '' && (timezone.length > 64 || !isIanaZone(timezone))))) return null;
  if (locale !== undefined && (typeof locale !== 'string' || locale.length > 35 || locale.includes('\u0000'))) return null;
  if (!isPlain(p) || !isId(p.product_id) || p.dwell_ms !== undefined || p.dwell_seconds !== undefined) return null;
  const { price, currency } = p;
  if (price !== undefined && !(typeof price === 'number' && Number.isFinite(price) && price >= 0)) return null;
  if (currency !== undefined && !(typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency))) return null;
  const c = currency === undefined ? shopCurrency : (currency as string).toUpperCase();
  if (price !== undefined && !/^[A-Z]{3}$/.test(c)) return null;
  const priceMinor = price === undefined ? undefined : decimalToMinor(price as number, c);
  if (priceMinor !== undefined && !Number.isSafeInteger(priceMinor)) return null;
  // Keys in the canonical schema's order, as the zod path's output has them.
  const customer: CustomerRef = {
    ...(userId ? { userId: userId as string } : {}),
    ...(anonymousId ? { anonymousId: anonymousId as string } : {}),
    ...(timezone ? { timezone: timezone as string } : {}),
    ...(locale ? { locale: locale as string } : {}),
  };
  return { type: 'product_viewed', eventId: m.messageId, occurredAt: m.timestamp, customer, productId: p.product_id,
    ...(priceMinor === undefined ? {} : { priceMinor, currency: c }) };
}
