import { count } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { canonicalEvent } from '../../ingest/canonical.ts';
import type { AdapterResult } from '../../ingest/adapter.ts';
import { segmentBatchToCanonical, segmentToCanonical } from '../../ingest/segment.ts';
import { setSourceSecret } from '../../ingest/secrets.ts';
import { SHOPIFY_TOPICS, shopifyToCanonical } from '../../ingest/shopify.ts';
import { signBase64Hmac } from '../../ingest/signatures.ts';
import { storeQueued, testApi } from '../../ingest/test-payloads.ts';
import { WOO_TOPICS, wooToCanonical } from '../../ingest/woocommerce.ts';
import type { Database } from '../../db/client.ts';
import { rejectedPayloads, shops } from '../../db/schema.ts';
import { createApiKey } from '../../lib/api-keys.ts';
import type { HostileBody, Source } from './payloads.ts';

// Where hostile input is thrown: each ingest adapter directly (pure functions: they must answer,
// never throw) and the public API over a real database (it must answer below 500 and keep every
// payload it refuses, with the reason).

export interface Verdict {
  /** A crash: the adapter threw, or the API answered 5xx or not at all. */
  failure: string | null;
  /** For the API: whether the answer refused the payload (and so must have kept it). */
  refused: boolean;
  status?: number;
}

const decode = (body: string | Buffer) => (typeof body === 'string' ? body : body.toString('utf8'));
const parsed = (body: string | Buffer): unknown => {
  try {
    return JSON.parse(decode(body));
  } catch {
    return decode(body);
  }
};

function judgeAdapter(result: AdapterResult): string | null {
  if (result.ok) return Array.isArray(result.events) ? null : 'ok without an events array';
  if (result.errors.length === 0) return 'refused without a reason';
  const blank = result.errors.find((e) => typeof e.message !== 'string' || e.message.length === 0);
  return blank ? `a reason without a message: ${JSON.stringify(blank)}` : null;
}

/** Runs one hostile body through the source's adapter. */
export function fuzzAdapter(source: Source, input: HostileBody, pick: number): Verdict {
  const body = parsed(input.body);
  const options = { shopCurrency: 'EUR' };
  try {
    switch (source) {
      case 'native': {
        const result = canonicalEvent.safeParse(body);
        return { failure: result.success || result.error.issues.length > 0 ? null : 'refused without issues', refused: !result.success };
      }
      case 'shopify': {
        const result = shopifyToCanonical(SHOPIFY_TOPICS[pick % SHOPIFY_TOPICS.length]!, body, options);
        return { failure: judgeAdapter(result), refused: !result.ok };
      }
      case 'woocommerce': {
        const result = wooToCanonical(WOO_TOPICS[pick % WOO_TOPICS.length]!, body, options);
        return { failure: judgeAdapter(result), refused: !result.ok };
      }
      case 'segment': {
        if (pick % 3 === 0) {
          const result = segmentBatchToCanonical({ batch: [body] }, options);
          return { failure: result.ok || result.errors.length > 0 ? null : 'batch refused without a reason', refused: !result.ok };
        }
        const result = segmentToCanonical(pick % 3 === 1 ? 'track' : 'identify', body, options);
        return { failure: judgeAdapter(result), refused: !result.ok };
      }
    }
  } catch (error) {
    return { failure: `threw ${(error as Error).name}: ${(error as Error).message}`, refused: false };
  }
}

export interface ApiTarget {
  app: FastifyInstance;
  shopId: string;
  ingestKey: string;
  /** Rows in rejected_payloads now. */
  keptCount(): Promise<number>;
  send(source: Source, input: HostileBody, pick: number): Promise<Verdict>;
  /** A GET on a read route with a hostile path or query. */
  read(pick: number, value: string): Promise<Verdict>;
  close(): Promise<void>;
}

const SHOPIFY_SECRET = 'fuzz-shopify-secret-0123456789abcdef';
const WOO_SECRET = 'fuzz-woo-secret-0123456789abcdef';

export async function createApiTarget(database: Database): Promise<ApiTarget> {
  const shopId = 'fuzz-shop';
  await database.db.insert(shops).values({ id: shopId, name: 'Fuzz shop', currency: 'EUR' });
  const { app, cipher } = testApi(database);
  await app.ready();
  await setSourceSecret(database.db, cipher, shopId, 'shopify', SHOPIFY_SECRET);
  await setSourceSecret(database.db, cipher, shopId, 'woocommerce', WOO_SECRET);
  const ingestKey = await createApiKey(database.db, shopId, ['ingest']);
  const readKey = await createApiKey(database.db, shopId, ['read']);

  const verdict = (status: number, method: string, body: string): Verdict => ({
    status,
    failure: status >= 500 && status !== 503 ? `answered ${status}: ${body.slice(0, 300)}` : null,
    // 429 and 503 ask the sender to come back; 401 on the tracking endpoints is kept too.
    refused: method === 'POST' && status >= 400 && status < 500 && status !== 429,
  });

  const keptCount = async () => {
    const [row] = await database.db.select({ n: count() }).from(rejectedPayloads);
    return row?.n ?? 0;
  };
  return {
    app, shopId, ingestKey, keptCount,
    async send(source, input, pick) {
      const headers: Record<string, string> = { 'content-type': input.contentType };
      let url: string;
      const signed = decode(input.body);
      switch (source) {
        case 'native':
          url = '/v1/events';
          headers.authorization = `Bearer ${ingestKey}`;
          break;
        case 'segment':
          url = pick % 3 === 0 ? '/v1/batch' : pick % 3 === 1 ? '/v1/track' : '/v1/identify';
          headers.authorization = `Basic ${Buffer.from(`${ingestKey}:`).toString('base64')}`;
          break;
        case 'shopify':
          url = `/v1/webhooks/shopify/${shopId}`;
          headers['x-shopify-topic'] = SHOPIFY_TOPICS[pick % SHOPIFY_TOPICS.length]!;
          headers['x-shopify-hmac-sha256'] = signBase64Hmac(SHOPIFY_SECRET, signed);
          break;
        case 'woocommerce':
          url = `/v1/webhooks/woocommerce/${shopId}`;
          headers['x-wc-webhook-topic'] = WOO_TOPICS[pick % WOO_TOPICS.length]!;
          headers['x-wc-webhook-signature'] = signBase64Hmac(WOO_SECRET, signed);
          break;
      }
      const before = await keptCount();
      const response = await app.inject({ method: 'POST', url, headers, payload: input.body });
      const answer = verdict(response.statusCode, 'POST', response.body);
      if (answer.refused && !answer.failure && (await keptCount()) === before) {
        return { ...answer, failure: `refused with ${response.statusCode} but not kept in rejected_payloads (${response.body.slice(0, 160)})` };
      }
      // What the Segment endpoints accepted is stored by the queue processor: it must not fail on it either
      // (what the entry path refuses there is kept with the reason, like the endpoints' refusals).
      if (source === 'segment' && response.statusCode === 200) {
        try {
          await storeQueued(database, cipher);
        } catch (error) {
          return { ...answer, failure: `accepted, then the queue processor failed on it: ${(error as Error).message.slice(0, 200)}` };
        }
      }
      return answer;
    },
    async read(pick, value) {
      let v: string;
      try {
        v = encodeURIComponent(value);
      } catch {
        v = '%ED%A0%80%ff'; // a lone surrogate cannot be percent-encoded as UTF-8: send the broken bytes instead
      }
      const urls = [`/v1/dashboard/customers/${v}`, `/v1/dashboard/outbox/${v}`, `/v1/placements/${v}`, `/v1/experiments/${v}`, `/v1/experiments/${v}/results`,
        `/v1/customers/${v}/explain`, `/v1/dashboard/overview?from=${v}&to=${v}`, `/v1/dashboard/customers?q=${v}&limit=${v}`, `/v1/reports/overview?format=${v}&from=${v}`,
        `/l/c?t=${v}`, `/l/u?t=${v}`, `/dashboard/assets/${v}`];
      const url = urls[pick % urls.length]!;
      const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${readKey}` } });
      const answer = verdict(response.statusCode, 'GET', response.body);
      return answer.failure ? { ...answer, failure: `GET ${url.slice(0, 80)} ${answer.failure}` } : answer;
    },
    close: async () => {
      await app.close();
    },
  };
}
