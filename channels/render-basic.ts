import type { Channel } from '../workflows/types.ts';
import type { RenderedMessage } from './types.ts';

export interface ProductView {
  title: string;
  priceMinor: number;
  currency: string;
  url: string | null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatMoney(minor: number, currency: string, locale = 'en'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
}

const SUBJECTS: Record<string, string> = {
  cart_reminder: 'You left something in your cart',
};

/** Plain rendering of a message from the products it is about, with prices resolved now. */
export function renderBasic(channel: Channel, contentType: string, items: ProductView[], locale?: string): RenderedMessage {
  const lines = items.map((p) => `${p.title} — ${formatMoney(p.priceMinor, p.currency, locale)}${p.url ? ` ${p.url}` : ''}`);
  const subject = SUBJECTS[contentType] ?? 'Picked for you';
  const text = `${subject}\n\n${lines.join('\n')}\n`;
  const html =
    channel === 'email'
      ? `<!doctype html><html><body><h1>${escapeHtml(subject)}</h1><ul>${items
          .map((p) => `<li>${escapeHtml(p.title)} — ${escapeHtml(formatMoney(p.priceMinor, p.currency, locale))}</li>`)
          .join('')}</ul></body></html>`
      : null;
  return { channel, contentType, subject: channel === 'email' ? subject : null, text, html };
}
