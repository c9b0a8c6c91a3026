import { describe, expect, it } from 'vitest';
import { eventLogFrom, type EventRow } from '../event-log.ts';
import { EventKind, type CatalogView } from '../types.ts';
import { PopularityEngine } from './engine.ts';

const day = 86_400;
const buy = (item: number, time: number): EventRow => ({ user: 0, item, time, kind: EventKind.purchase });
const catalog = (category: number[]): CatalogView => ({
  size: category.length,
  category: Int32Array.from(category),
  priceMinor: new Float64Array(category.length).fill(-1),
  inStock: new Uint8Array(category.length).fill(1),
  repeatPurchase: new Uint8Array(category.length),
});

describe('popularity and trending', () => {
  // item 0 sold 3 times 60 days ago, item 1 twice this week
  const rows = [buy(0, 0), buy(0, 0), buy(0, 0), buy(1, 59 * day), buy(1, 60 * day)];
  const now = 60 * day;

  it('all-time popularity ranks by total sales; trending by recent sales', () => {
    const popular = new PopularityEngine('p', { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity });
    const trending = new PopularityEngine('t', { view: 1, cart: 1, purchase: 1, halfLifeDays: 7 });
    for (const e of [popular, trending]) e.train({ events: eventLogFrom(rows), nUsers: 1, nItems: 3, now });
    const top = (e: PopularityEngine) => e.recommend({ history: [], session: [], k: 3, now }).map((s) => s.item);
    expect(top(popular)).toEqual([0, 1]);
    expect(top(trending)).toEqual([1, 0]);
  });

  it('serves best sellers of the categories the visitor browses, then the rest', () => {
    const engine = new PopularityEngine('t', { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity });
    engine.train({ events: eventLogFrom([...rows, buy(2, now)]), nUsers: 1, nItems: 3, now, catalog: catalog([0, 0, 1]) });
    expect(engine.recommend({ history: [], session: [2], k: 3, now }).map((s) => s.item)).toEqual([2, 0, 1]);
  });

  it('update() moves an item up at once', () => {
    const engine = new PopularityEngine('t', { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity });
    engine.train({ events: eventLogFrom(rows), nUsers: 1, nItems: 3, now });
    engine.update(eventLogFrom([buy(2, now), buy(2, now), buy(2, now), buy(2, now)]));
    expect(engine.recommend({ history: [], session: [], k: 1, now })[0]?.item).toBe(2);
  });
});
