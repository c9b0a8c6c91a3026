import { createHmac, randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest } from './http.ts';

// A local Resend: the parts of https://api.resend.com the e-mail channel uses (POST /emails with
// bearer auth and Idempotency-Key), its error shapes, and signed webhooks (Standard Webhooks / Svix).

export interface FakeEmail {
  id: string;
  idempotencyKey: string | null;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const error = (status: number, name: string, message: string) => ({ status, body: { statusCode: status, name, message } });

export class FakeResend extends FakeHttpServer {
  readonly emails: FakeEmail[] = [];
  private readonly byKey = new Map<string, { body: string; id: string }>();

  constructor(readonly apiKey = `re_test_${randomUUID().replace(/-/g, '')}`) {
    super();
  }

  protected handle(request: FakeRequest) {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return request.headers.authorization ? error(403, 'invalid_api_key', 'API key is invalid') : error(401, 'missing_api_key', 'Missing API key in the authorization header.');
    }
    if (request.method !== 'POST' || request.path !== '/emails') return error(404, 'not_found', 'The requested endpoint does not exist.');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return error(400, 'invalid_parameter', 'Body is not valid JSON');
    }
    const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : null;
    if (key !== null && (key.length === 0 || key.length > 256)) return error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
    for (const field of ['from', 'to', 'subject'] as const) {
      if (!payload[field]) return error(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
    if (!payload.html && !payload.text) return error(422, 'missing_required_field', 'Missing `html` or `text` field.');
    const to = (Array.isArray(payload.to) ? payload.to : [payload.to]) as string[];
    const bad = to.find((address) => !EMAIL.test(address));
    if (bad !== undefined) return error(422, 'validation_error', `Invalid \`to\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`);
    if (key !== null) {
      const seen = this.byKey.get(key);
      if (seen && seen.body !== request.body) return error(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.');
      if (seen) return { status: 200, body: { id: seen.id } };
    }
    const id = randomUUID();
    if (key !== null) this.byKey.set(key, { body: request.body, id });
    this.emails.push({
      id,
      idempotencyKey: key,
      from: String(payload.from),
      to,
      subject: String(payload.subject),
      html: (payload.html as string | undefined) ?? null,
      text: (payload.text as string | undefined) ?? null,
      headers: (payload.headers as Record<string, string> | undefined) ?? {},
      tags: (payload.tags as { name: string; value: string }[] | undefined) ?? [],
    });
    return { status: 200, body: { id } };
  }
}

/** Signs a webhook the way Resend (Svix, Standard Webhooks) does: HMAC-SHA256 of "id.timestamp.body". */
export function signResendWebhook(secret: string, body: string, id = `msg_${randomUUID()}`, timestamp = Math.floor(Date.now() / 1000)) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': `v1,${signature}` };
}

export const newResendWebhookSecret = () => `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
