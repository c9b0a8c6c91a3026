import { createHmac } from 'node:crypto';
import { count } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { buildApi } from '../../api/app.ts';
import { LinkSigner } from '../../channels/links.ts';
import type { Database } from '../../db/client.ts';
import { dispatches, rejectedPayloads } from '../../db/schema.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { PiiCipher } from '../../lib/pii.ts';
import { newResendWebhookSecret, signResendWebhook } from '../../test/fakes/resend.ts';
import { seedCustomer, seedShop } from '../../test/fixtures.ts';
import { KNOWN_EMAIL, KNOWN_PHONE, KNOWN_RESEND_ID, KNOWN_TWILIO_SID, type LinkCase, type LinkRequest, type ResendCase, type TwilioCase } from './channel-payloads.ts';
import type { Verdict } from './targets.ts';

// The channel endpoints over a real database: Resend and Twilio webhooks must answer below 500 and
// keep every payload they refuse (a bad signature, a stale or replayed delivery, a malformed body),
// with the reason; link routes must answer below 500 and never redirect anywhere but http(s).

const PUBLIC = 'https://fuzz.nextbest.example';
const LINK_SECRET = 'fuzz-link-secret-0123456789abcdef0123';
const TWILIO_TOKEN = 'fuzz-twilio-auth-token-0123456789ab';
const RESEND_SECRET = newResendWebhookSecret();
const OTHER_RESEND_SECRET = newResendWebhookSecret();
export const FUZZ_DISPATCH = 'fuzz-dispatch';

export interface ChannelTarget {
  app: FastifyInstance;
  resend(input: ResendCase, pick: number): Promise<Verdict>;
  twilio(input: TwilioCase): Promise<Verdict>;
  link(input: LinkCase, request: LinkRequest): Promise<Verdict>;
  close(): Promise<void>;
}

const text = (body: string | Buffer) => (typeof body === 'string' ? body : body.toString('utf8'));

/** What the server parses a Twilio body to (the form parser, or JSON), so the signature matches it. */
function serverParams(contentType: string, body: string): unknown {
  if (contentType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  try {
    return body.length === 0 ? {} : JSON.parse(body);
  } catch {
    return {};
  }
}

export async function createChannelTarget(database: Database): Promise<ChannelTarget> {
  const cipher = new PiiCipher('ab'.repeat(32));
  const shopId = await seedShop(database, 'fuzz-channels');
  const customerId = await seedCustomer({ database, cipher }, shopId, { userId: 'fuzz-channels-1', email: KNOWN_EMAIL, phone: KNOWN_PHONE },
    [{ channel: 'email', granted: true }, { channel: 'sms', granted: true }, { channel: 'whatsapp', granted: true }]);
  for (const [id, provider, message, channel] of [[FUZZ_DISPATCH, 'resend', KNOWN_RESEND_ID, 'email'], ['fuzz-dispatch-sms', 'twilio', KNOWN_TWILIO_SID, 'sms']] as const) {
    await database.db.insert(dispatches).values({ id, idempotencyKey: id, shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:${id}`, step: 1,
      channel, contentType: 'cart_reminder', status: 'sent', provider, providerMessageId: message, sentAt: new Date(Date.now() - 3_600_000) });
  }
  const links = new LinkSigner(LINK_SECRET, PUBLIC);
  // No Temporal: an unsubscribe's signal to running journeys fails and is logged (there are none here).
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 300 }) });
  const app = buildApi(
    { config: { TEMPORAL_TASK_QUEUE: 'q', JOURNEY_TIME_SCALE: 1, WORKER_METRICS_PORT: 9464 } as never, database, temporal, cipher,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), metrics: createMetrics() },
    { links, signingSecret: LINK_SECRET, publicBaseUrl: PUBLIC, resendWebhookSecret: RESEND_SECRET, twilioAuthToken: TWILIO_TOKEN },
  );
  await app.ready();

  const keptCount = async () => (await database.db.select({ n: count() }).from(rejectedPayloads))[0]?.n ?? 0;
  /** A webhook answer: below 500 (503 allowed), and a refusal (4xx, or a replay acknowledged 200) kept. */
  async function webhook(method: string, url: string, headers: Record<string, string>, payload: string | Buffer): Promise<Verdict> {
    const before = await keptCount();
    const response = await app.inject({ method: 'POST', url, headers, payload });
    const status = response.statusCode;
    if (status >= 500 && status !== 503) return { status, refused: false, failure: `${method} answered ${status}: ${response.body.slice(0, 300)}` };
    const replay = status === 200 && response.body.includes('"duplicate_delivery"');
    const refused = (status >= 400 && status < 500 && status !== 429) || replay;
    if (refused && (await keptCount()) === before) return { status, refused, failure: `refused with ${status} but not kept in rejected_payloads (${response.body.slice(0, 160)})` };
    return { status, refused, failure: null };
  }

  const validToken = (link: 'click' | 'unsubscribe', known: boolean) => {
    const dispatchId = known ? FUZZ_DISPATCH : `fuzz-unknown-${link}`;
    return link === 'click' ? links.sign({ kind: 'click', dispatchId, url: 'https://shop.example/cart?x=1' }) : links.sign({ kind: 'unsubscribe', dispatchId, channel: 'email' });
  };
  /** Signs arbitrary token content with the real secret, as LinkSigner does (base64url body, 16-byte HMAC-SHA256). */
  const signRaw = (content: string | Buffer) => {
    const body = Buffer.from(content).toString('base64url');
    return `${body}.${createHmac('sha256', LINK_SECRET).update(body).digest().subarray(0, 16).toString('base64url')}`;
  };

  return {
    app,
    async resend({ input, signing }, pick) {
      const body = text(input.body);
      const now = Math.floor(Date.now() / 1000);
      const id = signing === 'replayed-id' ? `msg_fuzz_${pick % 20}` : `msg_fuzz_${pick}_${Math.random().toString(36).slice(2)}`;
      let headers: Record<string, string> = signResendWebhook(RESEND_SECRET, body, id, now);
      if (signing === 'unsigned') headers = {};
      if (signing === 'wrong-secret') headers = signResendWebhook(OTHER_RESEND_SECRET, body, id, now);
      if (signing === 'stale') headers = signResendWebhook(RESEND_SECRET, body, id, now - 3600);
      if (signing === 'future') headers = signResendWebhook(RESEND_SECRET, body, id, now + 3600);
      if (signing === 'garbage-timestamp') headers = { ...headers, 'svix-timestamp': ['', 'now', '-1', '1e9', '99999999999999', ' 12'][pick % 6]! };
      if (signing === 'body-changed') headers = signResendWebhook(RESEND_SECRET, `${body} `, id, now);
      if (signing === 'garbage-signature') headers = { ...headers, 'svix-signature': ['v1,', 'v1,AAAA', 'v2,abc', ',,,', 'v1,'.repeat(500), 'v1,%%%'][pick % 6]! };
      const verdict = await webhook('POST /v1/webhooks/resend', '/v1/webhooks/resend', { 'content-type': input.contentType, ...headers }, input.body);
      return verdict.failure ? { ...verdict, failure: `[${signing}] ${verdict.failure}` } : verdict;
    },
    async twilio({ route, input, signing }) {
      const path = `/v1/webhooks/twilio/${route}`;
      let signature: string | undefined;
      if (signing !== 'unsigned') {
        const params = serverParams(input.contentType, text(input.body));
        try {
          signature = twilio.getExpectedTwilioSignature(signing === 'wrong-token' ? 'not-the-token-0123456789abcdef012' : TWILIO_TOKEN,
            signing === 'other-url' ? `${PUBLIC}/v1/webhooks/twilio/other` : `${PUBLIC}${path}`, params as Record<string, string>);
        } catch {
          signature = 'unsignable';
        }
        if (signing === 'garbage-signature') signature = `${signature.slice(0, 10)}!!`;
      }
      const headers: Record<string, string> = { 'content-type': input.contentType, ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) };
      const verdict = await webhook(`POST ${path}`, path, headers, input.body);
      return verdict.failure ? { ...verdict, failure: `[${signing}] ${verdict.failure}` } : verdict;
    },
    async link(input, request) {
      let token: string;
      if (input.kind === 'random') token = input.token;
      else if (input.kind === 'signed-hostile') token = signRaw(input.content);
      else {
        const valid = validToken(input.link, input.known);
        if (input.kind === 'valid') token = valid;
        else if (input.kind === 'truncated') token = valid.slice(0, input.at % valid.length);
        else {
          const at = input.at % valid.length;
          token = valid.slice(0, at) + String.fromCharCode(valid.charCodeAt(at) ^ (1 << (input.at % 7))) + valid.slice(at + 1);
        }
      }
      let query: string;
      try {
        query = `t=${encodeURIComponent(token)}`;
      } catch {
        query = 't=%ED%A0%80'; // a lone surrogate cannot be percent-encoded as UTF-8: the broken bytes instead
      }
      if (token.length % 5 === 1) query += `&t=${query.slice(2)}`; // the parameter twice: an array
      const [method, path] = request.split(' ') as ['GET' | 'POST', string];
      const response = await app.inject({ method, url: `${path}?${query}`,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' } : {}) });
      const status = response.statusCode;
      const label = input.kind === 'signed-hostile' ? `${input.kind} ${input.label}` : input.kind;
      if (status >= 500 && status !== 503) return { status, refused: false, failure: `${request} [${label}] answered ${status}: ${response.body.slice(0, 300)}` };
      const location = response.headers.location;
      if (status >= 300 && status < 400 && !(typeof location === 'string' && /^https?:\/\//i.test(location))) {
        return { status, refused: false, failure: `${request} [${label}] redirected to ${JSON.stringify(location)?.slice(0, 120)}` };
      }
      return { status, refused: status >= 400, failure: null };
    },
    close: async () => {
      await app.close();
    },
  };
}
