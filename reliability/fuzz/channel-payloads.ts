import fc from 'fast-check';
import { hostileBodyFrom, INJECTIONS, nestedText, paths, setAt, wrongTypes, type HostileBody } from './payloads.ts';

// Hostile input for the channel endpoints: Resend's Svix-signed webhook, Twilio's form-encoded
// callbacks (status and inbound) and the signed click / unsubscribe link tokens. Ids in the valid
// payloads come from small pools, so some name the message seeded in the ledger (the handler's deeper
// paths are reached) and some repeat (the replay check is reached).

/** Provider message ids the fuzz target seeds in the dispatch ledger. */
export const KNOWN_RESEND_ID = 'r-1';
export const KNOWN_TWILIO_SID = 'm-1';
export const KNOWN_PHONE = '+4915199990000';
export const KNOWN_EMAIL = 'fuzz.channels@example.com';

const RESEND_TYPES = ['email.delivered', 'email.opened', 'email.clicked', 'email.bounced', 'email.complained', 'email.failed', 'email.sent', 'contact.created'];

/** A valid Resend event: `r-1` is the seeded message, others are unknown to the ledger. */
const resendEvent = fc.record({ n: fc.nat(40), type: fc.constantFrom(...RESEND_TYPES), permanent: fc.boolean() }).map(({ n, type, permanent }) => ({
  type, created_at: new Date().toISOString(),
  data: {
    email_id: `r-${n % 4 === 0 ? 1 : n}`, to: [n % 2 ? KNOWN_EMAIL : `c${n}@example.com`], from: 'shop@example.com', subject: 'Your cart',
    ...(type === 'email.bounced' ? { bounce: { type: permanent ? 'Permanent' : 'Transient', subType: 'General', message: 'mailbox does not exist' } } : {}),
  },
}));

/** How a Resend delivery is signed: correctly (most), or one of the ways a forgery or a replay looks. */
export type ResendSigning = 'signed' | 'replayed-id' | 'unsigned' | 'wrong-secret' | 'stale' | 'future' | 'garbage-timestamp' | 'body-changed' | 'garbage-signature';
export interface ResendCase {
  input: HostileBody;
  signing: ResendSigning;
}

export const resendCase: fc.Arbitrary<ResendCase> = fc.record({
  input: hostileBodyFrom(resendEvent),
  signing: fc.constantFrom<ResendSigning>('signed', 'signed', 'signed', 'signed', 'signed', 'signed', 'replayed-id',
    'unsigned', 'wrong-secret', 'stale', 'future', 'garbage-timestamp', 'body-changed', 'garbage-signature'),
});

/** Twilio's status callback and inbound message parameters. */
const twilioStatus = fc.record({ n: fc.nat(300), status: fc.constantFrom('queued', 'sent', 'delivered', 'read', 'undelivered', 'failed'), code: fc.constantFrom('', '21211', '30003', '30008') })
  .map(({ n, status, code }): Record<string, unknown> => ({
    AccountSid: 'AC0123', MessageSid: `m-${n % 5 === 0 ? 1 : n}`, SmsSid: `m-${n}`, MessageStatus: status, To: n % 2 ? KNOWN_PHONE : `whatsapp:+49151${n}`,
    From: '+4930123456', ApiVersion: '2010-04-01', ...(code ? { ErrorCode: code } : {}),
  }));
const twilioInbound = fc.record({ n: fc.nat(300), body: fc.constantFrom('STOP', ' stop ', 'START', 'hello', 'UNSUBSCRIBE', ''), whatsapp: fc.boolean() })
  .map(({ n, body, whatsapp }): Record<string, unknown> => ({
    AccountSid: 'AC0123', MessageSid: `m-${n}`, From: `${whatsapp ? 'whatsapp:' : ''}${n % 3 ? KNOWN_PHONE : `+49151${n}`}`, To: '+4930123456', Body: body, NumMedia: '0', ApiVersion: '2010-04-01',
  }));

const formText = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value) ?? String(value));
const form = (params: Record<string, unknown>) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, formText(v)])).toString();
const FORM = 'application/x-www-form-urlencoded';

/** Broken Twilio bodies: mostly forms as Twilio sends them, with one thing broken; some JSON, some bytes. */
function hostileTwilioBody(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<HostileBody> {
  const body = (kind: string, contentType = FORM) => (text: string | Buffer): HostileBody => ({ kind, body: text, contentType });
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(valid, fc.nat(), fc.boolean(), wrongTypes).map(([v, pick, remove, replacement]) => {
      const all = paths(v);
      const path = all[pick % all.length]!;
      return body(`${remove ? 'drop' : 'retype'} ${path.join('.')}`)(form(setAt(v, path, replacement, remove)));
    }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.constantFrom(...INJECTIONS), fc.nat()).map(([v, s, pick]) => {
      const keys = Object.keys(v);
      return body('injection')(form({ ...v, [keys[pick % keys.length]!]: s }));
    }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.double({ min: 0, max: 1, noNaN: true })).map(([v, at]) => {
      const text = form(v);
      return body('truncated')(text.slice(0, Math.floor(text.length * at)));
    }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.constantFrom('latin1', 'utf16le', 'bad-percent', 'raw-nul')).map(([v, encoding]) => {
      const text = form({ ...v, Body: 'Grüße Zoë ☕' });
      if (encoding === 'bad-percent') return body('encoding bad-percent')(`${text}&Body=%E0%A4%A&To=%ZZ%`);
      if (encoding === 'raw-nul') return body('encoding raw-nul')(`${text}&MessageSid=a%00b`);
      return body(`encoding ${encoding}`)(Buffer.from(text, encoding as BufferEncoding));
    }) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.integer({ min: 2, max: 2000 })).map(([v, n]) => body(`repeated keys ${n}`)(`${form(v)}${'&MessageSid=m-2&__proto__=x&constructor=y'.repeat(n)}`)) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.integer({ min: 50, max: 5000 })).map(([v, depth]) => body(`nested keys ${depth}`)(`${form(v)}&${'Body'.concat('[a]'.repeat(depth))}=1`)) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.integer({ min: 10_000, max: 1_200_000 })).map(([v, size]) => body(`oversized ${size}`)(form({ ...v, Body: 'x'.repeat(size) }))) },
    { weight: 2, arbitrary: hostileBodyFrom(valid).map((b) => ({ ...b, kind: `json ${b.kind}` })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 300 }), fc.constantFrom(FORM, 'text/plain', 'application/json', 'multipart/form-data')).map(([text, type]) => body(`garbage ${type}`, type)(text)) },
    { weight: 1, arbitrary: valid.map((v) => body('valid')(form(v))) },
  );
}

export type TwilioSigning = 'signed' | 'unsigned' | 'wrong-token' | 'other-url' | 'garbage-signature';
export interface TwilioCase {
  route: 'status' | 'inbound';
  input: HostileBody;
  signing: TwilioSigning;
}
const twilioSigning = fc.constantFrom<TwilioSigning>('signed', 'signed', 'signed', 'signed', 'signed', 'signed', 'unsigned', 'wrong-token', 'other-url', 'garbage-signature');
export const twilioCase: fc.Arbitrary<TwilioCase> = fc.oneof(
  fc.record({ route: fc.constant('status' as const), input: hostileTwilioBody(twilioStatus), signing: twilioSigning }),
  fc.record({ route: fc.constant('inbound' as const), input: hostileTwilioBody(twilioInbound), signing: twilioSigning }),
);

/**
 * A link token case. `signed` content is signed with the real secret (so the route's parsing of the
 * token's JSON is reached); the others are forgeries and damaged tokens.
 */
export type LinkCase =
  | { kind: 'random'; token: string }
  | { kind: 'truncated' | 'bit-flipped' | 'valid'; link: 'click' | 'unsubscribe'; known: boolean; at: number }
  | { kind: 'signed-hostile'; content: string | Buffer; label: string };

const hostileUrl = fc.constantFrom('javascript:alert(1)', 'https://shop.example/\r\nSet-Cookie: a=b', 'https://shop.example/a\u0000b', 'https://' + 'x'.repeat(70_000), 'http://',
  'https://shop.example/%ZZ', 'https://shop.example/\ud800', 'data:text/html,<script>alert(1)</script>', '//evil.example', 'https://user:pw@evil.example:99999/', 'HTTPS://SHOP.EXAMPLE/ä',
  'https://shop.example/\u2028\u2029', ' https://shop.example/', 'https://shop.example/<script>');
const hostileIat = fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), fc.constant(2 ** 53), fc.constant(-1e15), fc.constant(1e308), fc.constant(0.5), fc.constant(-0),
  fc.constant(Math.floor(Date.now() / 1000) + 86_400), fc.constant(Math.floor(Date.now() / 1000) - 400 * 86_400), wrongTypes);
const hostileContent = fc.record({
  kind: fc.oneof(fc.constantFrom('click', 'unsubscribe'), wrongTypes),
  dispatchId: fc.oneof(fc.constant('fuzz-dispatch'), fc.constant('fuzz-dispatch\u0000'), fc.constantFrom(...INJECTIONS), wrongTypes),
  url: fc.oneof(fc.constant('https://shop.example/cart'), hostileUrl, wrongTypes),
  channel: fc.oneof(fc.constantFrom('email', 'sms', 'whatsapp', 'push', 'audience'), wrongTypes),
  iat: hostileIat,
}, { requiredKeys: [] }).map((content) => ({ content: JSON.stringify(content) ?? 'null', label: `content ${Object.keys(content).join(',')}` }));

export const linkCase: fc.Arbitrary<LinkCase> = fc.oneof(
  { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 200 }), fc.constantFrom(...INJECTIONS), fc.constant('a.b.c'), fc.constant('.'),
    fc.constant('x'.repeat(20_000)), fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `${a}.${b}`)).map((token) => ({ kind: 'random' as const, token })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('truncated' as const, 'bit-flipped' as const), link: fc.constantFrom('click' as const, 'unsubscribe' as const), known: fc.boolean(), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('valid' as const), link: fc.constantFrom('click' as const, 'unsubscribe' as const), known: fc.boolean(), at: fc.nat() }) },
  { weight: 3, arbitrary: hostileContent.map(({ content, label }) => ({ kind: 'signed-hostile' as const, content, label })) },
  { weight: 1, arbitrary: fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => ({ content: JSON.stringify(v) ?? 'null', label: 'random json' })),
    fc.integer({ min: 50, max: 20_000 }).map((depth) => ({ content: nestedText(depth), label: `nested ${depth}` })),
    fc.string({ maxLength: 100 }).map((s) => ({ content: s, label: 'not json' })),
    fc.constantFrom('latin1', 'utf16le').map((encoding) => ({ content: Buffer.from('{"kind":"click","dispatchId":"fuzz-dispatch","url":"https://shop.example/Grüße"}', encoding), label: `encoding ${encoding}` })),
    fc.constant({ content: Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x7b, 0x7d]), label: 'invalid utf-8' }),
  ).map(({ content, label }) => ({ kind: 'signed-hostile' as const, content, label })) },
);

export type LinkRequest = 'GET /l/c' | 'GET /l/u' | 'POST /l/u';
export const linkRequest = fc.constantFrom<LinkRequest>('GET /l/c', 'GET /l/u', 'POST /l/u');
