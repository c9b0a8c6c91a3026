import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkSigner } from '../channels/links.ts';
import type { Channel } from '../workflows/types.ts';
import { CONTENT_TYPES, COPY_STYLES } from './copy.ts';
import { formatMoney } from './money.ts';
import { RenderError, renderLiquid, renderMessage, type RenderInput } from './render.ts';

const links = new LinkSigner('template-test-secret-0123456789abcdef', 'https://nb.example');
const base = (over: Partial<RenderInput> = {}): RenderInput => ({
  channel: 'email', contentType: 'cart_reminder', style: null, shop: { name: 'Tea & Co', storefrontUrl: 'https://tea.example' },
  locale: 'en-GB', timezone: 'Europe/London', dispatchId: 'dsp_test', links, now: new Date('2026-06-15T10:00:00Z'), discount: null,
  items: [
    { title: 'Stoneware mug', priceMinor: 1800, currency: 'GBP', stock: 3, url: 'https://tea.example/p/mug', imageUrl: 'https://cdn.tea.example/mug.jpg', quantity: 2 },
    { title: 'Gooseneck kettle', priceMinor: 5900, currency: 'GBP', stock: null, url: 'https://tea.example/p/kettle', imageUrl: null },
  ],
  ...over,
});
const ourLinks = (text: string) => [...text.matchAll(/https:\/\/nb\.example\/l\/[cu]\?t=[A-Za-z0-9_.-]+/g)].map((m) => m[0]);

describe('templates', () => {
  it('lists a cart reminder\'s related products apart from the cart, outside its total, with signed links', async () => {
    const related = [{ title: 'Loose-leaf sencha', priceMinor: 1200, currency: 'GBP', stock: 40, url: 'https://tea.example/p/sencha', imageUrl: null }];
    const out = await renderMessage(base({ related }));
    expect(out.html).toContain('Often bought with these');
    expect(out.html!.indexOf('Loose-leaf sencha')).toBeGreaterThan(out.html!.indexOf('Cart total'));
    expect(out.text).toContain('Often bought with these:\n- Loose-leaf sencha');
    expect(out.html).toContain(formatMoney(2 * 1800 + 5900, 'GBP', 'en-GB')); // the cart's total, the related item not in it
    expect(out.links.map((l) => links.verifyUrl(l))).toContainEqual({ kind: 'click', dispatchId: 'dsp_test', url: 'https://tea.example/p/sencha' });
    const plain = await renderMessage(base());
    expect(plain.html).not.toContain('Often bought with these');
    expect(plain.text).not.toContain('Often bought with these');
  });

  it.each(CONTENT_TYPES.flatMap((type) => COPY_STYLES.flatMap((style) => (['email', 'sms', 'whatsapp', 'push'] as Channel[]).map((channel) => [type, style, channel] as const))))(
    '%s in the %s style renders completely for %s',
    async (contentType, style, channel) => {
      const out = await renderMessage(base({ contentType, style, channel, discount: { percent: 15, code: 'SAVE15-ABCDEFGH' } }));
      const all = `${out.subject ?? ''}\n${out.text}\n${out.html ?? ''}`;
      expect(all).not.toMatch(/undefined|\[object Object\]|NaN|\{\{|\{%/);
      expect(out.text.trim().length).toBeGreaterThan(10);
      expect(out.style).toBe(style);
      if (channel === 'email') {
        expect(out.html).toContain('<!doctype html>');
        expect(out.html).toContain('Stoneware mug');
        expect(out.text).toContain('£18.00');
        expect(out.text).toContain('Only 3 left');
        expect(out.text).toContain('Unsubscribe: https://nb.example/l/u?t=');
      }
      for (const url of ourLinks(all)) expect(links.verifyUrl(url)).toMatchObject({ dispatchId: 'dsp_test' });
      const foreign = [...all.matchAll(/href="(https?:[^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('https://nb.example/l/'));
      expect(foreign).toEqual([]);
    },
  );

  it('the copy styles really differ', async () => {
    for (const contentType of CONTENT_TYPES) {
      const [a, b] = await Promise.all(COPY_STYLES.map((style) => renderMessage(base({ contentType, style }))));
      expect(a!.subject).not.toBe(b!.subject);
    }
  });

  it('formats prices in the customer locale and the currency minor units', async () => {
    expect(formatMoney(123456, 'EUR', 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(1500, 'JPY', 'ja-JP')).toBe('￥1,500');
    expect(formatMoney(1234, 'KWD', 'en')).toBe('KWD\u00a01.234');
    const out = await renderMessage(base({ locale: 'de-DE', items: [{ title: 'Tasse', priceMinor: 1800, currency: 'EUR', stock: 10, url: null, imageUrl: null }] }));
    expect(out.text).toContain('18,00\u00a0€');
  });

  it('refuses to render with a missing or empty value instead of sending a blank', async () => {
    await expect(renderLiquid('Hello {{ customer.first_name }}', { shop: { name: 'x' } })).rejects.toBeInstanceOf(RenderError);
    await expect(renderLiquid('{{ shop.name | no_such_filter }}', { shop: { name: 'x' } })).rejects.toBeInstanceOf(RenderError);
    await expect(renderMessage(base({ items: [] }))).rejects.toThrow(/at least one product/);
    await expect(renderMessage(base({ shop: { name: ' ', storefrontUrl: null } }))).rejects.toThrow(/shop\.name/);
    await expect(renderMessage(base({ items: [{ title: '', priceMinor: 100, currency: 'EUR', stock: null, url: null, imageUrl: null }] }))).rejects.toThrow(/items\.0\.title/);
    await expect(renderMessage(base({ discount: { percent: 10, code: '' } }))).rejects.toThrow(/discount\.code/);
    await expect(renderMessage(base({ contentType: 'mystery' }))).rejects.toThrow(/no template/);
  });

  it('escapes shop data in HTML and keeps it whole in every part, whatever it contains', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF'),
        fc.constantFrom('en', 'de-DE', 'fr-FR', 'ja-JP', 'pt_BR', 'not a locale'),
        async (name, priceMinor, currency, locale) => {
          const title = `${name.trim()} <script>x</script>`;
          const out = await renderMessage(base({ locale, items: [{ title, priceMinor, currency, stock: null, url: 'https://tea.example/p/x', imageUrl: null }] }));
          expect(out.text).toContain(title);
          expect(out.text).toContain(formatMoney(priceMinor, currency, locale === 'pt_BR' ? 'pt-BR' : locale === 'not a locale' ? 'en' : locale));
          expect(out.html).not.toContain('<script>x</script>');
          expect(out.html).toContain('&lt;script&gt;x&lt;/script&gt;');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives an e-mail the same HTML from its cached shape as compiled from scratch, whatever the data', async () => {
    const text = fc.string({ minLength: 1, maxLength: 30 }).filter((x) => x.trim().length > 0);
    const product = fc.record({
      title: text, priceMinor: fc.integer({ min: 0, max: 1_000_000 }), currency: fc.constant('EUR'), stock: fc.option(fc.integer({ min: 0, max: 50 })),
      url: fc.option(fc.constantFrom('https://tea.example/p/a?x=1&y="2"', 'https://tea.example/p/b')), imageUrl: fc.option(fc.constantFrom("https://cdn.tea.example/a'b.jpg", 'https://cdn.tea.example/c.jpg')),
      quantity: fc.integer({ min: 1, max: 3 }),
    }, { requiredKeys: ['title', 'priceMinor', 'currency', 'stock', 'url', 'imageUrl', 'quantity'] });
    const cache = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(...COPY_STYLES), text, fc.array(product, { minLength: 1, maxLength: 3 }), fc.array(product, { maxLength: 2 }),
        fc.option(fc.record({ percent: fc.integer({ min: 1, max: 30 }), code: fc.constantFrom('SAVE<10>', 'NBV0VBN', 'X&Y') })),
        async (contentType, style, shopName, items, related, discount) => {
          const input = base({ contentType, style, shop: { name: shopName, storefrontUrl: null }, items, related, discount, linksIssuedAt: new Date('2026-06-15T09:00:00Z') });
          const cached = await renderMessage(input, { emailCache: cache });
          const direct = await renderMessage(input, { emailCache: null });
          expect(cached.html).toBe(direct.html);
        },
      ),
      { numRuns: 60 },
    );
    // Messages of one shape (same content type, style, items with the same images and links) compile once.
    const shapes = new Map<string, string>();
    const one = await renderMessage(base({ items: [{ title: 'Mug', priceMinor: 900, currency: 'EUR', stock: null, url: 'https://tea.example/p/mug', imageUrl: null }] }), { emailCache: shapes });
    const two = await renderMessage(base({ items: [{ title: 'Kettle & lid', priceMinor: 4500, currency: 'EUR', stock: null, url: 'https://tea.example/p/kettle', imageUrl: null }] }), { emailCache: shapes });
    expect(shapes.size).toBe(1);
    expect(one.html).toContain('Mug');
    expect(two.html).toContain('Kettle &amp; lid');
  });
});
