import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentBatchToCanonical, segmentToCanonicalChecked } from './segment.ts';
import { fastProductViewed } from './segment-fast.ts';

// The fast path for plain "Product Viewed" messages must agree with the zod path: it may decline any
// message (null: the zod path decides), but what it maps must be exactly what the zod path maps, and it
// must never map what the zod path refuses.

const plain = { type: 'track', event: 'Product Viewed', messageId: 'ajs-1', timestamp: '2026-05-01T09:00:00.000Z', anonymousId: 'anon-1',
  context: { timezone: 'Europe/Berlin', locale: 'de-DE', userAgent: 'Mozilla/5.0', page: { url: 'https://shop.example/p/1' } },
  properties: { product_id: 'sku-1', price: 19.99, currency: 'eur', name: 'Mug', category: 'kitchen' }, integrations: {} };

// Values near every rule's edge, for each field the fast path reads.
const text = fc.oneof(fc.constantFrom('', 'a', 'x'.repeat(200), 'x'.repeat(201), 'nul\u0000id', '  ', 'anon-7', 'Europe/Berlin'), fc.string({ maxLength: 8 }));
const anything = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant([]), fc.constant({}));
const instant = fc.oneof(fc.constantFrom('2026-05-01T09:00:00.000Z', '2026-02-30T09:00:00.000Z', '2026-05-01T09:00:00Z', '2026-05-01T09:00:00.000+02:00',
  '2026-13-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2026-05-01 09:00:00', 'yesterday'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anything);
const zone = fc.oneof(fc.constantFrom('Europe/Berlin', 'America/New_York', 'UTC', 'GMT', 'Mars/Olympus', '', 'europe/berlin', `${'A/'.repeat(33)}`), anything);
const locale = fc.oneof(fc.constantFrom('de-DE', '', 'x'.repeat(35), 'x'.repeat(36), 'de\u0000'), anything);
const price = fc.oneof(fc.constantFrom(0, 19.99, 0.005, 1e300, -1, Number.NaN, Infinity, '19.99'), fc.double({ min: 0, max: 1e6 }), anything);
const currency = fc.oneof(fc.constantFrom('EUR', 'eur', 'JPY', 'KWD', 'EU', 'EURO', 'E1R'), anything);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

// A plain message with up to three of its fields set to edge values (or removed), so that the fast path
// maps many of them and declines the others.
const edges: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.constantFrom('track', undefined, 'identify', 'page'),
  event: fc.constantFrom('Product Viewed', 'Product Added', 'product viewed'),
  messageId: fc.oneof(text, anything),
  timestamp: maybe(instant),
  sentAt: maybe(instant),
  userId: maybe(fc.oneof(text, anything)),
  anonymousId: maybe(fc.oneof(text, anything)),
  context: fc.constantFrom(undefined, null, 'ctx', {}),
  'context.timezone': maybe(zone),
  'context.locale': maybe(locale),
  'context.traits': fc.constantFrom({}, { email: 'a@example.com' }),
  properties: fc.constantFrom(undefined, [], {}),
  'properties.product_id': maybe(fc.oneof(text, fc.integer())),
  'properties.price': maybe(price),
  'properties.currency': maybe(currency),
  'properties.dwell_ms': fc.constantFrom(0, 200_000, -1),
  'properties.dwell_seconds': fc.constantFrom(3, -1),
};
const message = fc.subarray(Object.keys(edges), { maxLength: 3 }).chain((fields) => fc.tuple(...fields.map((f) => edges[f]!)).map((values) => {
  const m: Record<string, unknown> = structuredClone(plain);
  fields.forEach((field, i) => {
    const [top, inner] = field.split('.') as [string, string | undefined];
    if (inner === undefined) m[top] = values[i];
    else if (typeof m[top] === 'object' && m[top] !== null) (m[top] as Record<string, unknown>)[inner] = values[i];
  });
  return m;
}));

describe('fast path for plain Product Viewed messages', () => {
  it('maps the common message, to what the zod path maps', () => {
    const fast = fastProductViewed(plain, 'EUR');
    expect(fast).not.toBeNull();
    const checked = segmentToCanonicalChecked('track', plain, { shopCurrency: 'EUR' });
    expect(checked).toEqual({ ok: true, events: [fast] });
    expect(JSON.stringify(fast)).toBe(JSON.stringify(checked.ok && checked.events[0]));
  });

  it('agrees with the zod path on random messages: declines, or maps exactly the same event, never one the zod path refuses', () => {
    let mapped = 0;
    fc.assert(fc.property(message, fc.constantFrom('EUR', 'JPY', 'usd'), (m, shopCurrency) => {
      const fast = fastProductViewed(m, shopCurrency);
      if (fast === null) return;
      mapped++;
      let checked;
      try {
        checked = segmentToCanonicalChecked('track', m, { shopCurrency });
      } catch (error) {
        throw new Error(`the fast path mapped a message the zod path throws on: ${(error as Error).message}`);
      }
      expect(checked).toEqual({ ok: true, events: [fast] });
      expect(JSON.stringify(fast)).toBe(JSON.stringify(checked.ok && checked.events[0]));
    }), { numRuns: 20_000, seed: 20261206 });
    // The generator reaches the fast path often enough for the agreement to mean something.
    expect(mapped).toBeGreaterThan(200);
  });

  it('is what a batch uses, and the batch still names the fields of the messages it declines', () => {
    const bad = { ...plain, messageId: 'ajs-2', properties: { ...plain.properties, price: 'ten' } };
    const batch = segmentBatchToCanonical({ batch: [plain, bad] }, { shopCurrency: 'EUR' });
    expect(batch.ok && batch.items.map((i) => i.result)).toEqual([
      { ok: true, events: [fastProductViewed(plain, 'EUR')] },
      { ok: false, errors: [{ field: 'batch.1.properties.price', message: 'a decimal amount' }] },
    ]);
  });
});
