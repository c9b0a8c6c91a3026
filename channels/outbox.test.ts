import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
    expect(readdirSync(folder).sort()).toEqual(['dsp_1.html', 'dsp_1.json', 'dsp_1.txt', 'dsp_2.json', 'dsp_2.txt', 'index.html', 'index.ndjson']);
    const envelope = JSON.parse(readFileSync(join(folder, 'dsp_1.json'), 'utf8')) as { to: string };
    expect(envelope.to).toBe('a***@example.com');
    const index = readFileSync(join(folder, 'index.html'), 'utf8');
    expect(index).toContain('<a href="dsp_1.html">html</a>');
    expect(index).toContain('<a href="dsp_2.txt">text</a>');
    expect(index).toContain('Subject &#60;dsp_1&#62;');
    expect(index).not.toContain('ada@example.com');
    expect(index).not.toContain('+491511234567');
  });

  const sms = (dispatchId: string): OutgoingMessage => ({
    channel: 'sms', contentType: 'cart_reminder', subject: null, text: `text ${dispatchId}`, html: null,
    shopId: 'shop-b', customerId: 'cus_2', dispatchId, idempotencyKey: `wf:2:${dispatchId}`, to: '+491511234567',
  });

  it('lists every message of a concurrent burst in the index once each send has returned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-burst-'));
    const outbox = new OutboxSender(dir);
    await Promise.all(Array.from({ length: 60 }, (_, i) => outbox.send(sms(`dsp_${i}`))));
    const index = readFileSync(join(dir, 'shop-b', 'index.html'), 'utf8');
    for (let i = 0; i < 60; i++) expect(index).toContain(`<a href="dsp_${i}.txt">`);
    expect(index.match(/<tr><td>/g)).toHaveLength(60);
  });

  it('keeps the messages of a folder written before the index ledger existed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-legacy-'));
    mkdirSync(join(dir, 'shop-b'));
    writeFileSync(join(dir, 'shop-b', 'old_1.json'), JSON.stringify({ dispatchId: 'old_1', channel: 'sms', contentType: 'cart_reminder', to: '****4567', subject: null, writtenAt: '2026-01-01T00:00:00.000Z' }));
    await new OutboxSender(dir).send(sms('new_1'));
    const index = readFileSync(join(dir, 'shop-b', 'index.html'), 'utf8');
    expect(index).toContain('<a href="old_1.txt">');
    expect(index).toContain('<a href="new_1.txt">');
  });
});
