import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutboxSender } from './outbox.ts';
import type { OutgoingMessage } from './types.ts';

describe('dev outbox', () => {
  it('writes HTML, text and an envelope per message, overwrites a retry, and keeps a browsable index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-test-'));
    const outbox = new OutboxSender(dir);
    const message = (dispatchId: string): OutgoingMessage => ({
      channel: 'email', contentType: 'cart_reminder', subject: `Subject <${dispatchId}>`, text: 'text part', html: '<p>html part</p>',
      shopId: 'shop-a', customerId: 'cus_1', dispatchId, idempotencyKey: `wf:1:${dispatchId}`, to: 'ada@example.com',
    });
    await outbox.send(message('dsp_1'));
    await outbox.send(message('dsp_1'));
    await outbox.send({ ...message('dsp_2'), channel: 'sms', subject: null, html: null, to: '+491511234567' });
    const folder = join(dir, 'shop-a');
    expect(readdirSync(folder).sort()).toEqual(['dsp_1.html', 'dsp_1.json', 'dsp_1.txt', 'dsp_2.json', 'dsp_2.txt', 'index.html']);
    const envelope = JSON.parse(readFileSync(join(folder, 'dsp_1.json'), 'utf8')) as { to: string };
    expect(envelope.to).toBe('a***@example.com');
    const index = readFileSync(join(folder, 'index.html'), 'utf8');
    expect(index).toContain('<a href="dsp_1.html">html</a>');
    expect(index).toContain('<a href="dsp_2.txt">text</a>');
    expect(index).toContain('Subject &#60;dsp_1&#62;');
    expect(index).not.toContain('ada@example.com');
    expect(index).not.toContain('+491511234567');
  });
});
