import type { CatalogView } from '../types.ts';

/** One product's describable facts; missing ones are simply absent. */
export interface ProductAttributes {
  category?: string;
  priceMinor?: number;
  /** Numeric attributes (weight_g, volume_cm3, ...) banded on a log scale like price. */
  numbers?: Readonly<Record<string, number>>;
  /** Categorical attributes such as brand or colour. */
  attributes?: Readonly<Record<string, string>>;
  /** Title and description text. */
  text?: string;
}

/**
 * Log-scale band of a positive number: each band spans a factor of `ratio` (1.5 by default),
 * so 10 € and 14 € share a band while 10 € and 30 € do not.
 */
export function band(value: number, ratio = 1.5): number {
  return value > 0 ? Math.floor(Math.log(value) / Math.log(ratio)) : -1;
}

/** Feature tokens of a product: category, price band, numeric bands, attributes, text words. */
export function productTokens(p: ProductAttributes): string[] {
  const tokens: string[] = [];
  if (p.category) tokens.push(`cat:${p.category}`);
  if (p.priceMinor !== undefined && p.priceMinor > 0) tokens.push(`price:${band(p.priceMinor)}`);
  for (const [name, value] of Object.entries(p.numbers ?? {})) if (value > 0) tokens.push(`${name}:${band(value)}`);
  for (const [name, value] of Object.entries(p.attributes ?? {})) tokens.push(`${name}=${value.toLowerCase()}`);
  for (const word of (p.text ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (word.length > 2) tokens.push(`w:${word}`);
  return [...new Set(tokens)];
}

/** Token lists for a catalogue view (tokens, else category and price band alone). */
export function catalogTokens(catalog: CatalogView): readonly (readonly string[])[] {
  return Array.from({ length: catalog.size }, (_, i) => {
    const own = catalog.tokens?.[i];
    if (own) return own;
    const category = catalog.category[i]!;
    const price = catalog.priceMinor[i]!;
    return productTokens({ ...(category >= 0 ? { category: String(category) } : {}), ...(price > 0 ? { priceMinor: price } : {}) });
  });
}
