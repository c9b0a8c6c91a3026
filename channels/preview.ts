import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { carts, customers, products, shops } from '../db/schema.ts';
import { renderMessage, type RenderInput, type RenderOutput, type RenderProduct } from '../templates/render.ts';
import type { Channel } from '../workflows/types.ts';
import { discountCode } from './discount.ts';
import type { LinkSigner } from './links.ts';

export interface PreviewRequest {
  contentType: string;
  style?: string | undefined;
  channel: Channel;
  discountPercent?: number | undefined;
  links: LinkSigner;
  signingSecret: string;
  now?: Date;
}

const PREVIEW_DISPATCH = 'dsp_preview';

/** A fixed shop and products, for template work without a database. */
export function sampleInput(request: PreviewRequest): RenderInput {
  return input(request, { name: 'Sample Shop', storefrontUrl: 'https://shop.example' }, 'en-GB', 'Europe/London', [
    { title: 'Stoneware mug', priceMinor: 1800, currency: 'GBP', stock: 3, quantity: 2, url: 'https://shop.example/products/mug', imageUrl: 'https://placehold.co/320x320/png?text=Mug' },
    { title: 'Gooseneck kettle', priceMinor: 5900, currency: 'GBP', stock: 40, url: 'https://shop.example/products/kettle', imageUrl: 'https://placehold.co/320x320/png?text=Kettle' },
    { title: 'Loose-leaf sencha, 100 g', priceMinor: 1250, currency: 'GBP', stock: null, url: 'https://shop.example/products/sencha', imageUrl: null },
  ]);
}

/**
 * What a real message to this customer would contain now: their shop, locale and time zone, and the
 * given products (or their open cart, or the shop's first in-stock products) at today's prices.
 */
export async function customerInput(db: Db, shopId: string, customerId: string, productIds: string[], request: PreviewRequest): Promise<RenderInput> {
  const [shop] = await db.select().from(shops).where(eq(shops.id, shopId));
  if (!shop) throw new Error(`no shop "${shopId}" in this database (list shops with: npm run shops -- list)`);
  const [customer] = await db.select().from(customers).where(and(eq(customers.shopId, shopId), eq(customers.id, customerId)));
  if (!customer) throw new Error(`no customer "${customerId}" in shop "${shopId}" (customer keys look like cus_…)`);
  let ids = productIds;
  const quantities = new Map<string, number>();
  if (ids.length === 0) {
    const [cart] = await db.select().from(carts).where(and(eq(carts.shopId, shopId), eq(carts.customerId, customerId), eq(carts.status, 'open'))).limit(1);
    for (const item of cart?.items ?? []) quantities.set(item.productId, item.quantity);
    ids = [...quantities.keys()];
  }
  const rows = ids.length
    ? await db.select().from(products).where(and(eq(products.shopId, shopId), inArray(products.id, ids)))
    : await db.select().from(products).where(eq(products.shopId, shopId)).limit(20);
  const items: RenderProduct[] = rows
    .filter((p) => p.stock === null || p.stock > 0)
    .slice(0, 6)
    .map((p) => ({ title: p.title, priceMinor: p.priceMinor, currency: p.currency, stock: p.stock, quantity: quantities.get(p.id) ?? 1, url: p.url, imageUrl: p.imageUrl }));
  const storefrontUrl = typeof shop.settings.storefrontUrl === 'string' ? shop.settings.storefrontUrl : null;
  return input(request, { name: shop.name, storefrontUrl }, customer.locale, customer.timezone ?? shop.timezone, items);
}

function input(request: PreviewRequest, shop: RenderInput['shop'], locale: string | null, timezone: string, items: RenderProduct[]): RenderInput {
  const percent = request.discountPercent ?? 0;
  return {
    channel: request.channel, contentType: request.contentType, style: request.style ?? null, shop, locale, timezone, items,
    discount: percent > 0 ? { percent, code: discountCode(request.signingSecret, PREVIEW_DISPATCH, percent) } : null,
    dispatchId: PREVIEW_DISPATCH, links: request.links, now: request.now ?? new Date(),
  };
}

/** Renders and writes `<out>.html` (e-mail) and `<out>.txt`; returns the files written. */
export async function writePreview(input: RenderInput, out: string): Promise<{ files: string[]; rendered: RenderOutput }> {
  const rendered = await renderMessage(input);
  await mkdir(dirname(out), { recursive: true });
  const files: string[] = [];
  if (rendered.html) {
    await writeFile(`${out}.html`, rendered.html);
    files.push(`${out}.html`);
  }
  const header = rendered.subject ? `Subject: ${rendered.subject}\n\n` : '';
  await writeFile(`${out}.txt`, `${header}${rendered.text}`);
  files.push(`${out}.txt`);
  return { files, rendered };
}
