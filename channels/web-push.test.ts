import { Agent } from 'node:https';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePushService } from '../test/fakes/push-service.ts';
import type { OutgoingMessage } from './types.ts';
import { WebPushSender } from './web-push.ts';

describe('WebPushSender (web-push library against a local push service)', () => {
  const keys = webpush.generateVAPIDKeys();
  let service: FakePushService;
  let sender: WebPushSender;
  beforeAll(async () => {
    service = await new FakePushService(keys.publicKey).start();
    sender = new WebPushSender({ publicKey: keys.publicKey, privateKey: keys.privateKey, subject: 'mailto:ops@tea.example', agent: new Agent({ ca: service.certificate.cert }) });
  });
  afterAll(() => service.stop());

  const message = (to: string): OutgoingMessage => ({
    channel: 'push', contentType: 'browse_reminder', subject: 'Still looking at the mug?', text: 'Tea & Co: still thinking about it?', html: null,
    url: 'https://nb.example/l/c?t=abc', shopId: 's', customerId: 'c', dispatchId: 'dsp_push', idempotencyKey: 'wf:1:push', to,
  });

  it('sends an encrypted, VAPID-signed notification with a topic derived from the journey', async () => {
    const result = await sender.send(message(JSON.stringify(service.subscription())));
    expect(result.providerMessageId).toMatch(/\/messages\/1$/);
    const [push] = service.received;
    expect(JSON.parse(push!.payload)).toEqual({ title: 'Still looking at the mug?', body: 'Tea & Co: still thinking about it?', url: 'https://nb.example/l/c?t=abc', dispatchId: 'dsp_push' });
    expect(push!.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await sender.send(message(JSON.stringify(service.subscription())));
    expect(service.received[1]!.topic).toBe(push!.topic);
  });

  it('treats a dropped subscription as an invalid address and a throttled service as retryable', async () => {
    service.gone.add('old');
    expect(await sender.send(message(JSON.stringify(service.subscription('old')))).catch((e: unknown) => e)).toMatchObject({ kind: 'invalid_address', detail: { status: 410 } });
    service.fail({ status: 429, times: 1, body: {} });
    expect(await sender.send(message(JSON.stringify(service.subscription()))).catch((e: unknown) => e)).toMatchObject({ kind: 'retryable', detail: { status: 429 } });
    const wrongKeys = webpush.generateVAPIDKeys();
    const impostor = new WebPushSender({ ...wrongKeys, subject: 'mailto:x@y.example', agent: new Agent({ ca: service.certificate.cert }) });
    expect(await impostor.send(message(JSON.stringify(service.subscription()))).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', detail: { status: 403 } });
  });
});
