import { describe, expect, it } from 'vitest';
import { eventLogFrom, type EventRow } from '../event-log.ts';
import { EventKind } from '../types.ts';
import { AlsEngine } from './engine.ts';

describe('implicit ALS', () => {
  it('learns two taste groups and folds a new customer into the right one', () => {
    // users 0-9 view items 0-3; users 10-19 view items 4-7; each user skips one item of their group.
    // Two factors leave room for exactly the two groups.
    const rows: EventRow[] = [];
    for (let u = 0; u < 20; u++) {
      const base = u < 10 ? 0 : 4;
      for (let n = 0; n < 4; n++) if (n !== u % 4) rows.push({ user: u, item: base + n, time: 0, kind: EventKind.view });
    }
    const engine = new AlsEngine('t', { factors: 2, iterations: 10, lambda: 0.1, alpha: 10 });
    engine.train({ events: eventLogFrom(rows), nUsers: 20, nItems: 8, now: 0 });
    const top = engine.recommend({ history: [], session: [5, 6], k: 4, now: 0 }).map((s) => s.item);
    expect(new Set(top)).toEqual(new Set([4, 5, 6, 7]));
    const other = engine.recommend({ history: [{ item: 1, time: 0, kind: EventKind.purchase }], session: [], k: 4, now: 0 });
    expect(new Set(other.map((s) => s.item))).toEqual(new Set([0, 1, 2, 3]));
  });
});
