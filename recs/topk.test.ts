import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TopK } from './topk.ts';

describe('TopK', () => {
  it('returns the k best pairs best first, ties to the lower item', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), fc.integer({ min: 0, max: 10 }), (scores, k) => {
        const top = new TopK(k);
        scores.forEach((s, item) => top.offer(item, s));
        const expected = scores
          .map((score, item) => ({ item, score }))
          .sort((a, b) => b.score - a.score || a.item - b.item)
          .slice(0, k);
        expect(top.sorted()).toEqual(expected);
      }),
    );
  });
});
