import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../test/fakes/twilio.ts';
import { TwilioSmsSender, TwilioWhatsAppSender } from './twilio.ts';
import type { OutgoingMessage } from './types.ts';

describe('Twilio senders (real twilio SDK against a local Twilio)', () => {
  let fake: FakeTwilio;
  let sms: TwilioSmsSender;
  let whatsapp: TwilioWhatsAppSender;
  beforeAll(async () => {
    fake = await new FakeTwilio().start();
    const options = { accountSid: fake.accountSid, authToken: fake.authToken, smsFrom: '+15005550006', whatsappFrom: '+14155238886', statusCallbackUrl: 'https://nb.example/v1/webhooks/twilio/status', baseUrl: fake.url };
    sms = new TwilioSmsSender(options);
    whatsapp = new TwilioWhatsAppSender(options);
    fake.templates.set('HXapproved0000000000000000000000', 'approved');
    fake.templates.set('HXpending00000000000000000000000', 'pending');
  });
  afterAll(() => fake.stop());

  let n = 0;
  const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => {
    n += 1;
    return {
      channel: 'sms', contentType: 'cart_reminder', subject: null, html: null, text: `Your cart is saved ${n}\nReply STOP to opt out.`,
      shopId: 's', customerId: 'c', dispatchId: `dsp_${n}`, idempotencyKey: `wf-${n}:1:sms`, to: `+4915112345${String(n).padStart(3, '0')}`, ...over,
    };
  };

  it('sends an SMS with basic auth, a form body and a status callback', async () => {
    const m = message();
    const result = await sms.send(m);
    expect(result.providerMessageId).toMatch(/^SM/);
    expect(fake.messages.at(-1)).toMatchObject({ to: m.to, from: '+15005550006', body: m.text, statusCallback: 'https://nb.example/v1/webhooks/twilio/status' });
  });

  it('rejects a number that is not E.164 before calling Twilio, and maps Twilio 21211 to invalid_address', async () => {
    const before = fake.requests.length;
    expect(await sms.send(message({ to: '015112345678' })).catch((e: unknown) => e)).toMatchObject({ kind: 'invalid_address' });
    expect(fake.requests).toHaveLength(before);
    fake.stopped.add('+4915199999999');
    expect(await sms.send(message({ to: '+4915199999999' })).catch((e: unknown) => e)).toMatchObject({ kind: 'invalid_address', detail: { code: 21610 } });
  });

  it('classifies 429 and 500 as retryable and a 400 as permanent', async () => {
    fake.fail({ status: 429, times: 1, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    expect(await sms.send(message()).catch((e: unknown) => e)).toMatchObject({ kind: 'retryable', detail: { status: 429 } });
    fake.fail({ status: 500, times: 1, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    expect(await sms.send(message()).catch((e: unknown) => e)).toMatchObject({ kind: 'retryable', detail: { status: 500 } });
    expect(await sms.send(message({ text: '' })).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', detail: { status: 400, code: 21602 } });
  });

  it('finds a message an interrupted attempt already sent, and nothing when none was sent', async () => {
    const m = message();
    const started = new Date();
    expect(await sms.findEarlierSend(m, started)).toBeNull();
    const sent = await sms.send(m);
    expect(await sms.findEarlierSend(m, started)).toEqual(sent);
  });

  it('sends WhatsApp free-form inside the 24-hour window and only an approved template outside it', async () => {
    const inside = message({ channel: 'whatsapp', serviceWindowOpen: true });
    await whatsapp.send(inside);
    expect(fake.messages.at(-1)).toMatchObject({ to: `whatsapp:${inside.to}`, from: 'whatsapp:+14155238886', body: inside.text, contentSid: null });

    const noTemplate = message({ channel: 'whatsapp', serviceWindowOpen: false });
    expect(await whatsapp.send(noTemplate).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent' });
    const pending = message({ channel: 'whatsapp', serviceWindowOpen: false, templateSid: 'HXpending00000000000000000000000' });
    expect(await whatsapp.send(pending).catch((e: unknown) => e)).toMatchObject({ kind: 'permanent', message: expect.stringContaining('not approved') });

    const count = fake.messages.length;
    const templated = message({ channel: 'whatsapp', serviceWindowOpen: false, templateSid: 'HXapproved0000000000000000000000', templateVariables: { '1': 'Tea & Co', '2': 'Mug' } });
    await whatsapp.send(templated);
    expect(fake.messages).toHaveLength(count + 1);
    expect(fake.messages.at(-1)).toMatchObject({ contentSid: 'HXapproved0000000000000000000000', contentVariables: JSON.stringify({ '1': 'Tea & Co', '2': 'Mug' }) });
  });
});
