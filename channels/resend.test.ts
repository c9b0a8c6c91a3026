import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeResend } from '../test/fakes/resend.ts';
import { SendError } from './errors.ts';
import { ResendSender } from './resend.ts';
import type { OutgoingMessage } from './types.ts';

describe('ResendSender (real resend SDK against a local Resend)', () => {
  let fake: FakeResend;
  let sender: ResendSender;
  beforeAll(async () => {
    fake = await new FakeResend().start();
    sender = new ResendSender({ apiKey: fake.apiKey, from: 'Shop <hello@shop.example>', baseUrl: fake.url });
  });
  afterAll(() => fake.stop());

  let n = 0;
  const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => {
    n += 1;
    return {
      channel: 'email', contentType: 'cart_reminder', subject: 'Your cart', text: 'plain part', html: '<p>html part</p>',
      unsubscribeUrl: `https://nb.example/l/u/tok${n}`, shopId: 's', customerId: 'c', dispatchId: `dsp_${n}`,
      idempotencyKey: `wf-${n}:1:email`, to: `person${n}@example.com`, ...over,
    };
  };

  it('sends HTML and text with the idempotency key and RFC 8058 one-click unsubscribe headers', async () => {
    const m = message();
    const result = await sender.send(m);
    const email = fake.emails.find((e) => e.id === result.providerMessageId);
    expect(email).toMatchObject({
      idempotencyKey: m.idempotencyKey, to: [m.to], subject: 'Your cart', html: '<p>html part</p>', text: 'plain part',
      headers: { 'List-Unsubscribe': `<${m.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    expect(email?.tags).toContainEqual({ name: 'dispatch_id', value: m.dispatchId });
    const request = fake.requests.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request.headers['idempotency-key']).toBe(m.idempotencyKey);
  });

  it('sends one e-mail however often the same message is retried', async () => {
    const m = message();
    const first = await sender.send(m);
    const again = await sender.send(m);
    expect(again.providerMessageId).toBe(first.providerMessageId);
    expect(fake.emails.filter((e) => e.idempotencyKey === m.idempotencyKey)).toHaveLength(1);
  });

  it('classifies 429 and 500 as retryable, with Retry-After', async () => {
    fake.fail({ status: 429, times: 1, body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests' }, headers: { 'retry-after': '3' } });
    const limited = await sender.send(message()).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(SendError);
    expect(limited).toMatchObject({ kind: 'retryable', detail: { status: 429, retryAfterMs: 3000 } });
    fake.fail({ status: 500, times: 1, body: { statusCode: 500, name: 'internal_server_error', message: 'boom' } });
    expect(await sender.send(message()).catch((e: unknown) => e)).toMatchObject({ kind: 'retryable', detail: { status: 500 } });
  });

  it('classifies an invalid recipient as invalid_address and a bad request as permanent', async () => {
    expect(await sender.send(message({ to: 'not-an-address' })).catch((e: unknown) => e)).toMatchObject({ kind: 'invalid_address', detail: { status: 422 } });
    expect(await sender.send(message({ idempotencyKey: 'k'.repeat(300) })).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', detail: { status: 400 } });
  });

  it('is refused with a wrong API key', async () => {
    const wrong = new ResendSender({ apiKey: 're_wrong', from: 'a@shop.example', baseUrl: fake.url });
    expect(await wrong.send(message()).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', detail: { status: 403 } });
  });
});
