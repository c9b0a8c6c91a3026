import { z } from 'zod';
import { canonicalEvent, type CanonicalEvent } from './canonical.ts';
import { decimalToMinor, MoneyError } from './money.ts';

// Records of a bulk import file (CSV rows or NDJSON objects) to canonical events. One record is one
// order (with its lines), product, customer or event. Event ids are derived from the record's own id,
// so importing a file twice, or resuming one, stores nothing twice.

export const IMPORT_KINDS = ['orders', 'products', 'customers', 'events'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** A record read from a file: its fields and the line it starts on. */
export interface FileRecord {
  line: number;
  fields: Record<string, unknown>;
}

export type RecordResult = { ok: true; events: CanonicalEvent[] } | { ok: false; reason: string };

const text = z.union([z.string(), z.number()]).transform((v) => String(v).trim()).pipe(z.string().min(1));
const optionalText = z.union([z.string(), z.number(), z.null()]).optional().transform((v) => (v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim()));
const amount = z.union([z.string(), z.number()]).transform(String);
const flag = z.union([z.boolean(), z.string()]).optional().transform((v) => (v === undefined || v === '' ? undefined : v === true || /^(1|true|yes|y)$/i.test(String(v))));
const count = z.union([z.number(), z.string().regex(/^-?\d+$/, 'a whole number')]).transform(Number);

const line = z.object({ product_id: text, quantity: count.pipe(z.number().int().positive()), price: amount });
const order = z.object({
  order_id: text, customer_id: optionalText, email: optionalText, placed_at: text, currency: text.transform((c) => c.toUpperCase()),
  total: amount, discount: amount.optional(), status: z.enum(['placed', 'paid', 'fulfilled', 'cancelled']).optional(),
  lines: z.array(line).max(1000),
});
const product = z.object({ product_id: text, title: text, category: optionalText, price: amount, currency: text.transform((c) => c.toUpperCase()),
  url: optionalText, image_url: optionalText, stock: optionalText, updated_at: optionalText });
const customer = z.object({ customer_id: text, email: optionalText, phone: optionalText, timezone: optionalText, locale: optionalText,
  country: optionalText, email_opt_in: flag, sms_opt_in: flag, created_at: text });
const csvEvent = z.object({ event_id: text, type: z.enum(['product_viewed', 'cart_item_added', 'cart_item_removed']), occurred_at: text,
  customer_id: optionalText, anonymous_id: optionalText, product_id: text, cart_id: optionalText, quantity: optionalText, price: optionalText,
  currency: optionalText, dwell_ms: optionalText });

const fieldErrors = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
const minor = (field: string, value: string, currency: string) => {
  try {
    return decimalToMinor(value, currency);
  } catch (error) {
    throw new MoneyError(`${field}: ${(error as Error).message}`);
  }
};
const who = (customerId: string | undefined, email: string | undefined, fallback: string) =>
  ({ ...(customerId ? { userId: customerId } : { anonymousId: fallback }), ...(email ? { email } : {}) });

/** Maps one record; every problem is named by its field. */
export function recordToEvents(kind: ImportKind, fields: Record<string, unknown>): RecordResult {
  if (typeof fields.__error === 'string') return { ok: false, reason: `not valid JSON: ${fields.__error}` };
  try {
    const built = build(kind, fields);
    if ('reason' in built) return { ok: false, reason: built.reason };
    const events: CanonicalEvent[] = [];
    for (const e of built.events) {
      const parsed = canonicalEvent.safeParse(e);
      if (!parsed.success) return { ok: false, reason: fieldErrors(parsed.error) };
      events.push(parsed.data);
    }
    return { ok: true, events };
  } catch (error) {
    if (error instanceof MoneyError) return { ok: false, reason: error.message };
    throw error;
  }
}

function build(kind: ImportKind, fields: Record<string, unknown>): { events: unknown[] } | { reason: string } {
  if (kind === 'orders') {
    const p = order.safeParse(fields);
    if (!p.success) return { reason: fieldErrors(p.error) };
    const o = p.data;
    const placedAt = o.placed_at;
    return { events: [{
      type: 'order_placed', eventId: `import:order:${o.order_id}`, occurredAt: placedAt, customer: who(o.customer_id, o.email, `order-${o.order_id}`),
      orderId: o.order_id, currency: o.currency, totalMinor: minor('total', o.total, o.currency), discountMinor: o.discount ? minor('discount', o.discount, o.currency) : 0,
      lines: o.lines.map((l, i) => ({ productId: l.product_id, quantity: l.quantity, priceMinor: minor(`lines.${i}.price`, l.price, o.currency) })),
      ...(o.status === 'paid' || o.status === 'fulfilled' ? { paidAt: placedAt } : {}),
      ...(o.status === 'fulfilled' ? { fulfilledAt: placedAt } : {}),
      ...(o.status === 'cancelled' ? { cancelledAt: placedAt } : {}),
    }] };
  }
  if (kind === 'products') {
    const p = product.safeParse(fields);
    if (!p.success) return { reason: fieldErrors(p.error) };
    const x = p.data;
    if (x.stock !== undefined && !/^-?\d+$/.test(x.stock)) return { reason: 'stock: a whole number' };
    return { events: [{
      type: 'product_updated', eventId: `import:product:${x.product_id}:${x.updated_at ?? 'initial'}`, occurredAt: x.updated_at ?? '1970-01-01T00:00:00Z',
      product: { productId: x.product_id, title: x.title, priceMinor: minor('price', x.price, x.currency), currency: x.currency,
        ...(x.category ? { category: x.category } : {}), ...(x.url ? { url: x.url } : {}), ...(x.image_url ? { imageUrl: x.image_url } : {}),
        items: x.stock === undefined ? [] : [{ itemId: `import-${x.product_id}`, available: Number(x.stock) }] },
    }] };
  }
  if (kind === 'customers') {
    const p = customer.safeParse(fields);
    if (!p.success) return { reason: fieldErrors(p.error) };
    const c = p.data;
    const consents = [
      ...(c.email_opt_in === undefined ? [] : [{ channel: 'email', granted: c.email_opt_in }]),
      ...(c.sms_opt_in === undefined ? [] : [{ channel: 'sms', granted: c.sms_opt_in }]),
    ];
    return { events: [{ type: 'customer_updated', eventId: `import:customer:${c.customer_id}`, occurredAt: c.created_at, consents,
      customer: { userId: c.customer_id, ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone.replace(/[\s()-]/g, '') } : {}),
        ...(c.timezone ? { timezone: c.timezone } : {}), ...(c.locale ? { locale: c.locale } : {}), ...(c.country ? { address: { countryCode: c.country } } : {}) } }] };
  }
  // Events: NDJSON carries canonical events as they are; CSV rows are the common browsing and cart events.
  if ('type' in fields && typeof fields.eventId === 'string') return { events: [fields] };
  const p = csvEvent.safeParse(fields);
  if (!p.success) return { reason: fieldErrors(p.error) };
  const e = p.data;
  if (!e.customer_id && !e.anonymous_id) return { reason: 'customer_id or anonymous_id is required' };
  const customerRef = { ...(e.customer_id ? { userId: e.customer_id } : {}), ...(e.anonymous_id ? { anonymousId: e.anonymous_id } : {}) };
  const base = { eventId: e.event_id, occurredAt: e.occurred_at, customer: customerRef };
  if (e.type === 'product_viewed') return { events: [{ ...base, type: e.type, productId: e.product_id, ...(e.dwell_ms ? { dwellMs: Number(e.dwell_ms) } : {}) }] };
  if (!e.cart_id || !e.currency || !e.price) return { reason: 'cart_id, currency and price are required for cart events' };
  return { events: [{ ...base, type: e.type, cartId: e.cart_id, currency: e.currency.toUpperCase(),
    item: { productId: e.product_id, quantity: Number(e.quantity ?? 1), priceMinor: minor('price', e.price, e.currency.toUpperCase()) } }] };
}

/**
 * Orders in CSV come one row per line item; consecutive rows with the same order_id are one order.
 * The order's fields come from its first row.
 */
export function groupOrderRows(rows: FileRecord[]): FileRecord[] {
  const out: FileRecord[] = [];
  for (const row of rows) {
    const last = out.at(-1);
    const l = { product_id: row.fields.product_id, quantity: row.fields.quantity, price: row.fields.price };
    if (last && last.fields.order_id === row.fields.order_id) (last.fields.lines as unknown[]).push(l);
    else {
      const { product_id: _p, quantity: _q, price: _r, ...order } = row.fields;
      out.push({ line: row.line, fields: { ...order, lines: row.fields.product_id === undefined || row.fields.product_id === '' ? [] : [l] } });
    }
  }
  return out;
}
