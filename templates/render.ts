import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import mjml2html from 'mjml';
import { z } from 'zod';
import type { LinkSigner } from '../channels/links.ts';
import type { RenderedMessage } from '../channels/types.ts';
import type { Channel } from '../workflows/types.ts';
import { COPY, COPY_STYLES, isContentType, isCopyStyle, type Copy, type CopyStyle } from './copy.ts';
import { formatMoney, safeLocale } from './money.ts';

const root = dirname(fileURLToPath(import.meta.url));
const options = { root, extname: '.liquid', strictVariables: true, strictFilters: true, ownPropertyOnly: true, cache: true };
// HTML output escapes every value; text output is plain. Both refuse an unknown variable.
const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });
const textEngine = new Liquid(options);

/** A template could not be filled: a bug or missing data. The message must not go out. */
export class RenderError extends Error {
  override name = 'RenderError';
}

export interface RenderProduct {
  title: string;
  priceMinor: number;
  currency: string;
  quantity?: number;
  stock: number | null;
  url: string | null;
  imageUrl: string | null;
}

export interface RenderInput {
  channel: Channel;
  contentType: string;
  /** Copy style (an experiment variant); null means the first style. */
  style?: string | null;
  shop: { name: string; storefrontUrl: string | null; lowStockThreshold?: number };
  locale: string | null;
  timezone: string;
  items: RenderProduct[];
  /** Products shown beside the items (a cart's bought-together picks): listed apart, not in the total. */
  related?: RenderProduct[];
  discount: { percent: number; code: string } | null;
  dispatchId: string;
  links: LinkSigner;
  /** When the message is composed: its "priced at" line. A retried send passes the first composition's. */
  now: Date;
  /** The links' issue time; absent: the link signer's clock now. A retried send passes the first attempt's. */
  linksIssuedAt?: Date;
}

export interface RenderOutput extends RenderedMessage {
  style: CopyStyle;
  /** Every link placed in the message, all signed. */
  links: string[];
}

const nonEmpty = z.string().trim().min(1);
const item = z.object({
  title: nonEmpty,
  price: nonEmpty,
  quantity: z.number().int().positive(),
  availability: nonEmpty,
  low_stock: z.boolean(),
  link: nonEmpty.nullable(),
  image_url: nonEmpty.nullable(),
});
const context = z.object({
  shop: z.object({ name: nonEmpty }),
  items: z.array(item).min(1, 'a message needs at least one product to show'),
  related: z.array(item),
  total: nonEmpty,
  priced_at: nonEmpty,
  discount: z.object({ percent: z.number().int().positive(), code: nonEmpty }).nullable(),
  links: z.object({ cta: nonEmpty.nullable(), unsubscribe: nonEmpty }),
});
type Context = z.infer<typeof context>;

/**
 * Renders one message for one customer with prices, availability and the discount code resolved now.
 * A template that refers to anything the context lacks, or a context with an empty required value,
 * is a RenderError: nothing half-filled ever reaches a customer. `emailCache`: where compiled e-mail
 * shapes are kept (default: this process's; null compiles every message from scratch).
 */
export async function renderMessage(input: RenderInput, options: { emailCache?: Map<string, string> | null } = {}): Promise<RenderOutput> {
  if (!isContentType(input.contentType)) throw new RenderError(`no template for content type "${input.contentType}"`);
  const style: CopyStyle = input.style && isCopyStyle(input.style) ? input.style : COPY_STYLES[0];
  const ctx = buildContext(input);
  const parsed = context.safeParse(ctx);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(context)'}: ${i.message}`).join('; ');
    throw new RenderError(`cannot render ${input.contentType} for dispatch ${input.dispatchId}: ${problems}`);
  }
  try {
    const copy = await renderCopy(COPY[input.contentType][style], ctx);
    const vars = { ...ctx, copy };
    const links = [...(ctx.links.cta ? [ctx.links.cta] : []), ctx.links.unsubscribe, ...[...ctx.items, ...ctx.related].flatMap((i) => (i.link ? [i.link] : []))];
    const base = { channel: input.channel, contentType: input.contentType, style, links, unsubscribeUrl: ctx.links.unsubscribe, url: ctx.links.cta ?? ctx.items[0]?.link ?? null };
    if (input.channel === 'email') {
      const html = await renderEmailHtml(input.contentType, vars, options.emailCache);
      const textBody = await textEngine.renderFile(`text/${input.contentType}`, vars);
      const text = tidy(await textEngine.renderFile('layouts/text', { ...vars, body: textBody }));
      return { ...base, subject: copy.subject, html, text };
    }
    const link = ctx.links.cta ?? ctx.items[0]?.link ?? null;
    if (input.channel === 'push') return { ...base, subject: copy.subject, text: copy.short, html: null };
    const text = `${copy.short}${link ? ` ${link}` : ''}\nReply STOP to opt out.`;
    const templateVariables = { '1': ctx.shop.name, '2': ctx.items[0]!.title, '3': link ?? ctx.shop.name };
    return { ...base, subject: null, html: null, text, templateVariables };
  } catch (error) {
    if (error instanceof RenderError) throw error;
    throw new RenderError(`cannot render ${input.contentType} (${style}, ${input.channel}) for dispatch ${input.dispatchId}: ${(error as Error).message}`);
  }
}

function buildContext(input: RenderInput): Context {
  const locale = safeLocale(input.locale);
  const threshold = input.shop.lowStockThreshold ?? 5;
  const shown = (p: RenderProduct) => ({
    title: p.title,
    price: formatMoney(p.priceMinor, p.currency, locale),
    quantity: p.quantity ?? 1,
    availability: p.stock === null ? 'In stock' : p.stock <= threshold ? `Only ${p.stock} left` : 'In stock',
    low_stock: p.stock !== null && p.stock <= threshold,
    link: p.url ? input.links.clickUrl(input.dispatchId, p.url, input.linksIssuedAt) : null,
    image_url: p.imageUrl,
  });
  const items = input.items.map(shown);
  const related = (input.related ?? []).map(shown);
  const currency = input.items[0]?.currency;
  const sameCurrency = input.items.every((p) => p.currency === currency);
  const total = currency && sameCurrency ? formatMoney(input.items.reduce((s, p) => s + p.priceMinor * (p.quantity ?? 1), 0), currency, locale) : '';
  const storefront = input.shop.storefrontUrl?.replace(/\/+$/, '') ?? null;
  const ctaTarget = storefront ? (input.contentType === 'cart_reminder' ? `${storefront}/cart` : storefront) : (input.items.find((p) => p.url)?.url ?? null);
  return {
    shop: { name: input.shop.name },
    items,
    related,
    total,
    priced_at: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: input.timezone }).format(input.now),
    discount: input.discount,
    links: {
      cta: ctaTarget ? input.links.clickUrl(input.dispatchId, ctaTarget, input.linksIssuedAt) : null,
      unsubscribe: input.links.unsubscribeUrl(input.dispatchId, input.channel, input.linksIssuedAt),
    },
  };
}

/**
 * MJML compiled to HTML, by its source with every text value masked (see renderEmailHtml). Compiling
 * MJML costs ~10-20 ms of CPU per message; a shop's messages come in few shapes (content type, copy
 * style, number of items, which have images and links, a discount or not), so most sends compile none.
 */
const compiledEmails = new Map<string, string>();
const COMPILED_EMAILS_MAX = 2000;
/** Marks a masked text value in MJML and compiled HTML; no template text contains it. */
const MASK = /NBV(\d+)VBN/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
/** HTML escaping exactly as the HTML engine's outputEscape ('escape') does it. */
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * Every string in `value` replaced by a numbered mask; the strings are pushed to `values`. A string's
 * leading and trailing white space stays outside its mask, where MJML trims it as it would the text.
 */
function mask(value: unknown, values: string[]): unknown {
  if (typeof value === 'string') {
    const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(value)!;
    return core ? `${lead}NBV${values.push(core!) - 1}VBN${trail}` : value;
  }
  if (Array.isArray(value)) return value.map((v) => mask(v, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, values)]));
  return value;
}

/**
 * An e-mail's HTML: the content type's body in the e-mail layout, compiled from MJML. The templates are
 * filled with masks in place of every text value (texts only fill slots: templates branch on whether a
 * value is present, on numbers and on list sizes, never on a text's content), the masked MJML is
 * compiled once per shape and cached, and the escaped values are put back into the compiled HTML. The
 * result is the same as compiling the filled MJML (templates/render.test.ts checks it). `cache` null:
 * compile the filled MJML directly; undefined: this process's cache.
 */
async function renderEmailHtml(contentType: string, vars: object, cache: Map<string, string> | null = compiledEmails): Promise<string> {
  const compile = async (mjml: string) => (await mjml2html(mjml, { validationLevel: 'strict' })).html;
  if (cache === null) {
    const body = await htmlEngine.renderFile(`email/${contentType}`, vars);
    return compile(await htmlEngine.renderFile('layouts/email', { ...vars, body }));
  }
  const values: string[] = [];
  const masked = mask(vars, values) as object;
  const body = await htmlEngine.renderFile(`email/${contentType}`, masked);
  const source = await htmlEngine.renderFile('layouts/email', { ...masked, body });
  let html = cache.get(source);
  if (html === undefined) {
    html = await compile(source);
    if (cache.size >= COMPILED_EMAILS_MAX) cache.delete(cache.keys().next().value!);
    cache.set(source, html);
  }
  return html.replace(MASK, (_, i: string) => escapeHtml(values[Number(i)]!));
}

/** Renders a Liquid string with the strict text engine: an unknown variable or filter throws RenderError. */
export async function renderLiquid(source: string, vars: object): Promise<string> {
  try {
    return await textEngine.parseAndRender(source, vars);
  } catch (error) {
    throw new RenderError((error as Error).message);
  }
}

async function renderCopy(copy: Copy, ctx: Context): Promise<Copy> {
  const out = {} as Copy;
  for (const [key, template] of Object.entries(copy) as [keyof Copy, string][]) {
    const value = (await renderLiquid(template, ctx)).trim();
    if (!value) throw new RenderError(`copy line "${key}" rendered empty`);
    out[key] = value;
  }
  return out;
}

/** Collapses the blank lines Liquid tags leave behind. */
const tidy = (text: string) => `${text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
