import { describe, expect, it } from 'vitest';
import { eventLogFrom } from '../event-log.ts';
import { ndcgAt, recallAt } from './metrics.ts';
import { temporalSplit } from './temporal-split.ts';

describe('temporal split', () => {
  it('holds out each user’s latest events, minus items already seen in training', () => {
    const rows = [
      ...[10, 11, 12, 10, 13].map((item, t) => ({ user: 0, item, time: t, kind: 0 as const })),
      ...[20, 21].map((item, t) => ({ user: 1, item, time: t, kind: 0 as const })), // too few events: all train
    ];
    // user 0: 5 events, last 20% = 1 event (item 13); reorder rows to check sorting by time
    const { train, test } = temporalSplit(eventLogFrom(rows.reverse()), 0.2, 3);
    expect(test).toEqual(new Map([[0, new Set([13])]]));
    expect(train.length).toBe(6);
  });
});

describe('ranking metrics', () => {
  it('recall and NDCG by hand', () => {
    const relevant = new Set([3, 9]);
    expect(recallAt([1, 3, 5], relevant, 20)).toBe(0.5);
    expect(ndcgAt([1, 3, 5], relevant, 20)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
    expect(ndcgAt([3, 9], relevant, 20)).toBe(1);
  });
});
