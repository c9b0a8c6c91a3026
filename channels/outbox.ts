import { access, appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChannelSender, OutgoingMessage, SendResult } from './types.ts';

/** Masks an address for the outbox's metadata: enough to tell messages apart, not to contact anyone. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  return address.length > 4 ? `${'*'.repeat(address.length - 4)}${address.slice(-4)}` : '****';
}

/**
 * The embedded default: with no provider configured every message is written to a local folder as
 * HTML, text and a JSON envelope that a person can open. Writing the same dispatch again overwrites
 * the same files, so a retried send leaves one message.
 */
export class OutboxSender implements ChannelSender {
  readonly provider = 'outbox';
  constructor(private readonly dir: string) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    const folder = join(this.dir, message.shopId);
    await mkdir(folder, { recursive: true });
    const base = join(folder, message.dispatchId);
    const envelope = {
      dispatchId: message.dispatchId,
      idempotencyKey: message.idempotencyKey,
      customerId: message.customerId,
      channel: message.channel,
      contentType: message.contentType,
      to: maskAddress(message.to),
      subject: message.subject,
      unsubscribeUrl: message.unsubscribeUrl ?? null,
      writtenAt: new Date().toISOString(),
    };
    await writeFile(`${base}.txt`, message.text);
    if (message.html) await writeFile(`${base}.html`, message.html);
    await writeFile(`${base}.json`, `${JSON.stringify(envelope, null, 2)}\n`);
    await ensureLedger(folder);
    await appendFile(join(folder, 'index.ndjson'), `${JSON.stringify(envelope)}\n`);
    await refreshIndex(folder);
    return { provider: this.provider, providerMessageId: `outbox:${message.dispatchId}` };
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Envelope = { dispatchId: string; channel: string; contentType: string; to: string; subject: string | null; writtenAt: string };

const ledgers = new Set<string>();

/** index.ndjson lists every envelope; a folder written before it existed gets one from its .json files. */
async function ensureLedger(folder: string): Promise<void> {
  if (ledgers.has(folder)) return;
  const ledger = join(folder, 'index.ndjson');
  const exists = await access(ledger).then(() => true, () => false);
  if (!exists) {
    const lines = [];
    for (const name of (await readdir(folder)).filter((f) => f.endsWith('.json'))) lines.push(JSON.stringify(JSON.parse(await readFile(join(folder, name), 'utf8'))));
    await writeFile(ledger, lines.map((l) => `${l}\n`).join(''), { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  ledgers.add(folder);
}

/**
 * Rewrites of index.html, chained per folder. A send joins the queued rewrite when one has not started
 * yet (it will read the send's envelope), else queues the next: a burst of N messages costs a couple of
 * rewrites, not N, and every send returns after a rewrite that includes its own message.
 */
const rewrites = new Map<string, { tail: Promise<void>; queued: Promise<void> | null }>();

function refreshIndex(folder: string): Promise<void> {
  let chain = rewrites.get(folder);
  if (!chain) rewrites.set(folder, (chain = { tail: Promise.resolve(), queued: null }));
  if (chain.queued) return chain.queued;
  const state = chain;
  const run = state.tail.catch(() => undefined).then(() => {
    state.queued = null;
    return writeIndex(folder);
  });
  state.queued = run;
  state.tail = run;
  return run;
}

/** index.html in a shop's outbox folder: every message (the last write of each dispatch), newest first. */
async function writeIndex(folder: string): Promise<void> {
  const byDispatch = new Map<string, Envelope>();
  const lines = (await readFile(join(folder, 'index.ndjson'), 'utf8')).split('\n');
  for (const line of lines) {
    if (!line) continue;
    const e = JSON.parse(line) as Envelope;
    byDispatch.set(e.dispatchId, e);
  }
  const envelopes = [...byDispatch.values()];
  envelopes.sort((a, b) => b.writtenAt.localeCompare(a.writtenAt));
  const rows = envelopes
    .map((e) => `<tr><td>${escapeHtml(e.writtenAt)}</td><td>${escapeHtml(e.channel)}</td><td>${escapeHtml(e.contentType)}</td><td>${escapeHtml(e.to)}</td><td>${escapeHtml(e.subject ?? '')}</td>` +
      `<td>${e.channel === 'email' ? `<a href="${e.dispatchId}.html">html</a> · ` : ''}<a href="${e.dispatchId}.txt">text</a></td></tr>`)
    .join('\n');
  await writeFile(join(folder, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>nextbest outbox</title></head><body style="font-family:sans-serif">` +
    `<h1>Outbox</h1><table cellpadding="6"><tr><th>written</th><th>channel</th><th>content</th><th>to</th><th>subject</th><th>open</th></tr>\n${rows}\n</table></body></html>\n`);
}
