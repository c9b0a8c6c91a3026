import { describe, expect, it } from 'vitest';
import { eventLogFrom, type EventRow } from '../event-log.ts';
import { EventKind } from '../types.ts';
import { BoughtTogetherEngine } from './engine.ts';

const BREAD = 0, BUTTER = 1, JAM = 2, MILK = 3, TEA = 4;
const orders = (baskets: number[][]): EventRow[] =>
  baskets.flatMap((items, order) => items.map((item) => ({ user: 0, session: order, item, time: order, kind: EventKind.purchase })));
const baskets = [[BREAD, BUTTER], [BREAD, BUTTER], [BREAD, BUTTER, JAM], [BREAD, JAM], [MILK], [MILK, TEA], [BUTTER]];

describe('bought together', () => {
  const engine = new BoughtTogetherEngine('t', { minSupport: 2, rankBy: 'confidence', minLift: 0 });
  engine.train({ events: eventLogFrom(orders(baskets)), nUsers: 1, nItems: 5, now: 10 });

  it('computes support, confidence and lift by hand', () => {
    // 7 baskets; bread in 4, butter in 4, both in 3
    const rule = engine.describe(BREAD, BUTTER);
    expect(rule.support).toBeCloseTo(3 / 7);
    expect(rule.confidence).toBeCloseTo(3 / 4);
    expect(rule.lift).toBeCloseTo((3 * 7) / (4 * 4));
  });

  it('ranks consequents by confidence and drops pairs under the minimum support', () => {
    expect(engine.rulesFor(BREAD)).toEqual([
      { item: BUTTER, score: expect.closeTo(3 / 4, 5) },
      { item: JAM, score: expect.closeTo(2 / 4, 5) },
    ]);
    expect(engine.rulesFor(MILK)).toEqual([]); // milk+tea bought together once only
  });

  it('ignores views: only purchases form baskets', () => {
    const withViews = new BoughtTogetherEngine('t', { minSupport: 1, minLift: 0 });
    const views: EventRow[] = [{ user: 0, session: 99, item: MILK, time: 0, kind: EventKind.view }, { user: 0, session: 99, item: BREAD, time: 0, kind: EventKind.view }];
    withViews.train({ events: eventLogFrom([...orders(baskets), ...views]), nUsers: 1, nItems: 5, now: 10 });
    expect(withViews.rulesFor(MILK).map((r) => r.item)).toEqual([TEA]);
  });

  it('update() adds new orders to the rules', () => {
    const fresh = new BoughtTogetherEngine('t', { minSupport: 2, minLift: 0 });
    fresh.train({ events: eventLogFrom(orders(baskets)), nUsers: 1, nItems: 5, now: 10 });
    fresh.update(eventLogFrom(orders([[], [], [], [], [], [], [], [MILK, TEA]])));
    expect(fresh.recommend({ history: [{ item: MILK, time: 10, kind: EventKind.purchase }], session: [], k: 3, now: 10 }).map((r) => r.item)).toEqual([TEA]);
  });
});
