import { productTokens, type ProductAttributes } from './content/features.ts';
import type { IdIndex } from './id-index.ts';
import type { CatalogView } from './types.ts';

/** A product as the database knows it. */
export interface ProductRecord extends ProductAttributes {
  productId: string;
  inStock: boolean;
  /** Consumables customers rebuy; exempt from "not bought recently". */
  repeatPurchase?: boolean;
}

/**
 * Builds the typed-array catalogue view indexed like `products` (new product ids are interned),
 * with categories interned in `categories`. Products the index knows but `records` omit are
 * treated as out of stock with unknown category and price.
 */
export function buildCatalogView(records: readonly ProductRecord[], products: IdIndex<string>, categories: IdIndex<string>): CatalogView {
  for (const r of records) products.intern(r.productId);
  const size = products.size;
  const view = {
    size,
    category: new Int32Array(size).fill(-1),
    priceMinor: new Float64Array(size).fill(-1),
    inStock: new Uint8Array(size),
    repeatPurchase: new Uint8Array(size),
    tokens: Array.from({ length: size }, (): string[] => []),
  };
  for (const r of records) {
    const i = products.indexOf(r.productId);
    if (r.category) view.category[i] = categories.intern(r.category);
    if (r.priceMinor !== undefined) view.priceMinor[i] = r.priceMinor;
    view.inStock[i] = r.inStock ? 1 : 0;
    view.repeatPurchase[i] = r.repeatPurchase ? 1 : 0;
    view.tokens[i] = productTokens(r);
  }
  return view;
}
