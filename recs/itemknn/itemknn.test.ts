import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventLogFrom, type EventRow } from '../event-log.ts';
import { EventKind, type TrainingData } from '../types.ts';
import { ItemKnnEngine } from './engine.ts';
import { asymmetricCosine, rp3beta } from './similarity.ts';

const flat = { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity };
const profile = { weighting: flat, sessionWeight: 1, sessionDecay: 1 };
const views = (pairs: [number, number][]): EventRow[] => pairs.map(([user, item]) => ({ user, item, time: 0, kind: EventKind.view }));
const data = (rows: EventRow[], nItems = 3): TrainingData => ({
  events: eventLogFrom(rows),
  nUsers: Math.max(...rows.map((r) => r.user)) + 1,
  nItems,
  now: 0,
});
// users 0 and 1 saw items 0 and 1; user 2 saw items 0 and 2
const fixture = views([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 2]]);

describe('item kNN', () => {
  it('cosine: sim(0,1) = 2/(√3·√2), sim(0,2) = 1/√3', () => {
    const engine = new ItemKnnEngine('t', { similarity: asymmetricCosine(0.5, 0), profile });
    engine.train(data(fixture));
    const row = engine.similarTo(0);
    expect(row.map((n) => n.item)).toEqual([1, 2]);
    expect(row[0]!.score).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(row[1]!.score).toBeCloseTo(1 / Math.sqrt(3), 6);
  });

  it('shrinkage pulls weakly supported similarities down', () => {
    const engine = new ItemKnnEngine('t', { similarity: asymmetricCosine(0.5, 10), profile });
    engine.train(data(fixture));
    expect(engine.similarTo(0)[1]!.score).toBeCloseTo(1 / (Math.sqrt(3) + 10), 6);
  });

  it('RP3beta: transition probabilities, popularity-discounted', () => {
    const engine = new ItemKnnEngine('t', { similarity: rp3beta(1, 0.5), profile });
    engine.train(data(fixture));
    // P(0→u) = 1/3 for each user, P(u→j) = 1/2; item 1 has 2 users, item 2 has 1.
    const row = engine.similarTo(0);
    expect(row.find((n) => n.item === 1)!.score).toBeCloseTo((2 * (1 / 3) * (1 / 2)) / Math.sqrt(2), 6);
    expect(row.find((n) => n.item === 2)!.score).toBeCloseTo((1 / 3) * (1 / 2), 6);
  });

  it('a purchase outweighs a view: the buyer’s other items become the closer neighbours', () => {
    // user 0 viewed items 0 and 1; user 1 bought item 0 and viewed item 2
    const rows: EventRow[] = [...views([[0, 0], [0, 1], [1, 2]]), { user: 1, item: 0, time: 0, kind: EventKind.purchase }];
    const weighted = { ...profile, weighting: { view: 1, cart: 3, purchase: 5, halfLifeDays: Infinity } };
    const engine = new ItemKnnEngine('t', { similarity: asymmetricCosine(0.5, 0), profile: weighted });
    engine.train(data(rows));
    const row = engine.similarTo(0);
    expect(row.map((n) => n.item)).toEqual([2, 1]);
    expect(row[0]!.score).toBeCloseTo(5 / Math.sqrt(26), 6);
    expect(row[1]!.score).toBeCloseTo(1 / Math.sqrt(26), 6);
  });

  it('time decay: an old co-view counts less than a recent one', () => {
    const day = 86_400;
    const rows: EventRow[] = [
      { user: 0, item: 0, time: 100 * day, kind: EventKind.view }, { user: 0, item: 1, time: 100 * day, kind: EventKind.view },
      { user: 1, item: 0, time: 0, kind: EventKind.view }, { user: 1, item: 2, time: 0, kind: EventKind.view },
    ];
    const engine = new ItemKnnEngine('t', { similarity: asymmetricCosine(0.5, 0), profile: { ...profile, weighting: { ...flat, halfLifeDays: 10 } } });
    engine.train({ ...data(rows), now: 100 * day });
    expect(engine.recommend({ history: [], session: [0], k: 2, now: 100 * day }).map((s) => s.item)).toEqual([1, 2]);
  });

  it('update() gives the same neighbours as a full retrain (cosine)', () => {
    const pair = fc.tuple(fc.nat(5), fc.nat(7));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 30 }), fc.array(pair, { minLength: 1, maxLength: 15 }), (first, later) => {
        const options = { similarity: asymmetricCosine(0.5, 1), profile, neighbors: 8 };
        const incremental = new ItemKnnEngine('t', options);
        incremental.train(data(views(first), 8));
        incremental.update(eventLogFrom(views(later)));
        const full = new ItemKnnEngine('t', options);
        full.train(data(views([...first, ...later]), 8));
        for (let i = 0; i < 8; i++) {
          const got = incremental.similarTo(i).map((n) => [n.item, Number(n.score.toFixed(5))]);
          const want = full.similarTo(i).map((n) => [n.item, Number(n.score.toFixed(5))]);
          expect(new Set(got.map(String))).toEqual(new Set(want.map(String)));
        }
      }),
    );
  });
});
