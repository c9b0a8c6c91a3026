import { describe, expect, it } from 'vitest';
import { buildCatalogView } from './catalog.ts';
import { eventLogFrom, type EventRow } from './event-log.ts';
import { recommendFor } from './facade.ts';
import { IdIndex } from './id-index.ts';
import { createEngine } from './registry.ts';
import { EventKind } from './types.ts';

describe('recommendFor', () => {
  const products = new IdIndex<string>();
  const catalog = buildCatalogView(
    [
      { productId: 'tent', category: 'camping', priceMinor: 20000, inStock: true },
      { productId: 'stove', category: 'camping', priceMinor: 5000, inStock: true },
      { productId: 'lamp', category: 'camping', priceMinor: 3000, inStock: false },
      { productId: 'socks', category: 'clothing', priceMinor: 900, inStock: true },
    ],
    products,
    new IdIndex<string>(),
  );
  const [tent, stove, lamp, socks] = ['tent', 'stove', 'lamp', 'socks'].map((id) => products.indexOf(id)) as [number, number, number, number];
  // two shoppers viewed tent, stove and lamp together; socks sell on their own
  const rows: EventRow[] = [0, 1].flatMap((user) => [tent, stove, lamp].map((item) => ({ user, item, time: 0, kind: EventKind.view })));
  rows.push(...[2, 3, 4].map((user) => ({ user, item: socks, time: 0, kind: EventKind.purchase })));
  const data = { events: eventLogFrom(rows), nUsers: 5, nItems: 4, now: 0, catalog };
  const engine = createEngine('itemknn-cosine');
  const fallback = createEngine('popular');
  engine.train(data);
  fallback.train(data);

  it('maps product ids both ways, applies stock rules and fills from the fallback', () => {
    const out = recommendFor({ engine, fallback, products, catalog, customerHistory: [], sessionProductIds: ['tent'], k: 3, now: 0 });
    expect(out.map((r) => [r.productId, r.source])).toEqual([
      ['stove', 'itemknn-cosine'],
      ['tent', 'popular'],
      ['socks', 'popular'],
    ]);
  });

  it('does not offer what the customer just bought, and ignores unknown product ids', () => {
    const out = recommendFor({
      engine, fallback, products, catalog, k: 2, now: 86_400,
      customerHistory: [{ productId: 'stove', at: 0, kind: 'purchase' }, { productId: 'gone-product', at: 0, kind: 'view' }],
      sessionProductIds: ['tent'],
      rules: { excludeItems: [tent] },
    });
    expect(out.map((r) => r.productId)).toEqual(['socks']);
  });
});
