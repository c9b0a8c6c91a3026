import fc from 'fast-check';
import { shopifyOrder, wooOrder } from '../../ingest/test-payloads.ts';

// Hostile and broken input for every way data comes in: random JSON, valid payloads with one thing
// broken (a field dropped, retyped, oversized or replaced by an injection string), truncated bodies,
// deep nesting, and bytes in the wrong encoding. Each case is a raw body, as it arrives on the wire.

export const INJECTIONS = [
  `'; drop table events; --`, `" OR 1=1 --`, `<script>alert(1)</script>`, `{{constructor.constructor('return process')()}}`,
  '${process.exit(1)}', '../../../../etc/passwd', '\u0000', '\ud800', 'ZWJ\u200d', '%00%ff', '__proto__', 'constructor', 'NaN', '-0',
  '1e309', '9007199254740993', ' ', '\r\n\r\nHTTP/1.1 200 OK', `{"$ne": null}`, 'cus_x:injected:trigger', '😀'.repeat(50),
];

export const wrongTypes: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant(-1), fc.constant(2 ** 53 + 1), fc.constant(1e308),
  fc.string(), fc.constantFrom(...INJECTIONS), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  fc.constant({ __proto__: { admin: true } }), fc.constant('x'.repeat(70_000)),
);

/** A valid native event of each kind, from a seed. */
const nativeEvent = fc.record({ n: fc.nat(1_000_000), type: fc.constantFrom('cart_updated', 'customer_updated', 'order_placed', 'product_viewed', 'order_refunded') })
  .map(({ n, type }) => {
    const base = { type, eventId: `ev-${n}`, occurredAt: '2026-05-01T10:00:00Z', customer: { userId: `u-${n % 50}`, email: `c${n}@example.com`, timezone: 'Europe/Berlin' } };
    const items = [{ productId: 'p-1', quantity: 1, priceMinor: 1200 }];
    switch (type) {
      case 'cart_updated': return { ...base, cartId: `cart-${n}`, currency: 'EUR', items };
      case 'order_placed': return { ...base, orderId: `o-${n}`, currency: 'EUR', totalMinor: 1200, lines: items };
      case 'product_viewed': return { ...base, productId: 'p-1', dwellMs: 1000 };
      case 'order_refunded': return { ...base, orderId: `o-${n}`, refundId: `r-${n}`, amountMinor: 100, currency: 'EUR' };
      default: return { ...base, consents: [{ channel: 'email', granted: true }] };
    }
  });

const shopifyPayload = fc.nat(1_000_000).map((n) => shopifyOrder({ id: n + 1, customerId: n % 100, email: `s${n}@example.com`, createdAt: '2026-05-01T10:00:00Z',
  lines: [{ productId: 1, variantId: 11, quantity: 2, price: '12.50' }] }));
const wooPayload = fc.nat(1_000_000).map((n) => wooOrder({ id: n + 1, customerId: n % 100, email: `w${n}@example.com`, status: 'processing', created: '2026-05-01T10:00:00',
  modified: '2026-05-01T10:00:00', total: '25.00', lines: [{ productId: 1, quantity: 2, price: 12.5 }] }));
const segmentPayload = fc.nat(1_000_000).map((n) => ({ type: 'track', event: 'Product Viewed', userId: `u-${n % 50}`, messageId: `m-${n}`, timestamp: '2026-05-01T10:00:00Z',
  properties: { product_id: 'p-1', price: 12, currency: 'EUR' }, context: { traits: { email: `g${n}@example.com` } } }));

export type Source = 'native' | 'shopify' | 'woocommerce' | 'segment';
const VALID: Record<Source, fc.Arbitrary<Record<string, unknown>>> = { native: nativeEvent, shopify: shopifyPayload, woocommerce: wooPayload, segment: segmentPayload };

/** Paths of an object's leaves and branches, to pick one to break. */
export function paths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      if (out.length < 200) paths(v, [...prefix, k], out);
    }
  }
  return out;
}

export function setAt(root: Record<string, unknown>, path: string[], value: unknown, remove: boolean): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path.at(-1)!;
  if (remove) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Deeply nested JSON as text (built as text: JSON.stringify itself overflows the stack on it). */
export const nestedText = (depth: number): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
};

/** One broken body for a source. `kind` names the breakage, kept with any refusal. */
export interface HostileBody {
  kind: string;
  /** A Buffer when the bytes themselves are the point (wrong encodings). */
  body: string | Buffer;
  contentType: string;
}

export function hostileBody(source: Source): fc.Arbitrary<HostileBody> {
  return hostileBodyFrom(VALID[source]);
}

/** Broken bodies built from an arbitrary of valid JSON payloads (ids like `ev-1` and e-mails are where injections go). */
export function hostileBodyFrom(validPayload: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<HostileBody> {
  const json = (kind: string) => (value: unknown) => ({ kind, body: JSON.stringify(value) ?? 'null', contentType: 'application/json' });
  const mutated = fc.tuple(validPayload, fc.nat(), fc.boolean(), wrongTypes).map(([valid, pick, remove, replacement]) => {
    const all = paths(valid);
    const path = all[pick % all.length]!;
    return json(remove ? `drop ${path.join('.')}` : `retype ${path.join('.')}`)(setAt(valid, path, replacement, remove));
  });
  return fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json('random json')) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withBoxedValues: false }).map((v) => json('random value')(v)) },
    { weight: 5, arbitrary: mutated },
    { weight: 1, arbitrary: fc.tuple(validPayload, fc.double({ min: 0, max: 1, noNaN: true })).map(([v, at]) => {
      const text = JSON.stringify(v);
      return { kind: 'truncated', body: text.slice(0, Math.floor(text.length * at)), contentType: 'application/json' };
    }) },
    { weight: 1, arbitrary: fc.tuple(validPayload, fc.integer({ min: 50, max: 20_000 })).map(([v, depth]) => ({
      kind: `nested ${depth}`, body: JSON.stringify({ ...v, extra: 0 }).replace('"extra":0', `"extra":${nestedText(depth)}`), contentType: 'application/json',
    })) },
    { weight: 1, arbitrary: fc.tuple(validPayload, fc.integer({ min: 10_000, max: 1_200_000 })).map(([v, size]) => json(`oversized ${size}`)({ ...v, note: 'x'.repeat(size) })) },
    { weight: 1, arbitrary: fc.tuple(validPayload, fc.constantFrom(...INJECTIONS)).map(([v, s]) => ({
      kind: 'injection',
      // Every id and e-mail becomes the injection string (escaped, so the JSON itself stays valid).
      body: JSON.stringify(v).replace(/"(ev|o|u|cart|m|r)-\d+"|"[^"@]+@example\.com"/g, () => JSON.stringify(s)),
      contentType: 'application/json',
    })) },
    { weight: 1, arbitrary: fc.tuple(validPayload, fc.constantFrom('latin1', 'utf16le', 'bom', 'lone-surrogate')).map(([v, encoding]) => {
      const text = JSON.stringify({ ...v, note: 'Grüße Zoë ☕' });
      const body = encoding === 'bom' ? `\ufeff${text}` : encoding === 'lone-surrogate' ? text.replace('☕', '\ud83d') : Buffer.from(text, encoding as BufferEncoding);
      return { kind: `encoding ${encoding}`, body, contentType: 'application/json' };
    }) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 200 }), fc.constantFrom('text/plain', 'application/json', 'application/x-www-form-urlencoded', 'application/xml'))
      .map(([body, contentType]) => ({ kind: `garbage ${contentType}`, body, contentType })) },
    { weight: 1, arbitrary: validPayload.map(json('valid')) },
  );
}
