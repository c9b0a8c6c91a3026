import { describe, expect, it } from 'vitest';
import { eventLogFrom, type EventRow } from '../event-log.ts';
import { EventKind } from '../types.ts';
import { SessionKnnEngine } from './engine.ts';

const clicks = (sessions: number[][], start = 0): EventRow[] =>
  sessions.flatMap((items, s) => items.map((item, p) => ({ user: s + start, session: s + start, item, time: 1000 * (s + start) + p, kind: EventKind.view })));

describe('session kNN', () => {
  const train = clicks([[0, 1, 2], [0, 1, 2], [3, 1, 4], [5, 6]]);
  const engine = new SessionKnnEngine('t', { lambdaRecency: Infinity, idfWeight: 0 });
  engine.train({ events: eventLogFrom(train), nUsers: 4, nItems: 7, now: 4000 });

  it('serves an anonymous visitor from the current session alone', () => {
    const out = engine.recommend({ history: [], session: [0, 1], k: 10, now: 4000 });
    // neighbours: two sessions [0,1,2] share both clicks; [3,1,4] shares the most recent one
    expect(out.map((s) => s.item).slice(0, 3)).toEqual([1, 0, 2]);
    expect(out.map((s) => s.item)).not.toContain(5);
  });

  it('weighs the most recent click more', () => {
    const twoPaths = new SessionKnnEngine('t', { lambdaRecency: Infinity, idfWeight: 0 });
    twoPaths.train({ events: eventLogFrom(clicks([[0, 7], [1, 8]])), nUsers: 2, nItems: 9, now: 2000 });
    const order = (session: number[]) => twoPaths.recommend({ history: [], session, k: 4, now: 2000 }).map((s) => s.item);
    expect(order([0, 1]).indexOf(8)).toBeLessThan(order([0, 1]).indexOf(7));
    expect(order([1, 0]).indexOf(7)).toBeLessThan(order([1, 0]).indexOf(8));
  });

  it('recommends nothing for an empty session and no history', () => {
    expect(engine.recommend({ history: [], session: [], k: 5, now: 4000 })).toEqual([]);
  });

  it('update() makes new sessions neighbours at once', () => {
    const fresh = new SessionKnnEngine('t', { lambdaRecency: Infinity });
    fresh.train({ events: eventLogFrom(train), nUsers: 4, nItems: 7, now: 4000 });
    expect(fresh.recommend({ history: [], session: [5], k: 5, now: 5000 }).map((s) => s.item)).not.toContain(9);
    fresh.update(eventLogFrom(clicks([[5, 9]], 10)));
    expect(fresh.recommend({ history: [], session: [5], k: 5, now: 5000 }).map((s) => s.item)).toContain(9);
  });
});
