import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildCsr, transposeCsr } from './build.ts';
import type { GrowableCsr } from './growable-csr.ts';

const rowOf = (m: GrowableCsr, r: number): [number, number][] =>
  Array.from({ length: m.len[r]! }, (_, n) => [m.col[m.start[r]! + n]!, m.val[m.start[r]! + n]!]);

describe('buildCsr', () => {
  it('sorts rows by column and sums duplicate entries', () => {
    const m = buildCsr(2, 3, Int32Array.of(1, 0, 1, 1), Int32Array.of(2, 1, 0, 2), Float32Array.of(1, 5, 2, 3));
    expect(rowOf(m, 0)).toEqual([[1, 5]]);
    expect(rowOf(m, 1)).toEqual([[0, 2], [2, 4]]);
  });

  it('transposes', () => {
    const m = buildCsr(2, 3, Int32Array.of(0, 1, 1), Int32Array.of(2, 2, 0), Float32Array.of(1, 2, 3));
    const t = transposeCsr(m, 3);
    expect(rowOf(t, 0)).toEqual([[1, 3]]);
    expect(rowOf(t, 1)).toEqual([]);
    expect(rowOf(t, 2)).toEqual([[0, 1], [1, 2]]);
  });
});

describe('GrowableCsr', () => {
  it('keeps rows sorted and values summed through inserts that outgrow the reserved slack', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), fc.nat(30), fc.integer({ min: 1, max: 9 })), { maxLength: 200 }), (adds) => {
        const m = buildCsr(5, 31, Int32Array.of(0), Int32Array.of(0), Float32Array.of(1), 1);
        const expected = new Map<string, number>([['0,0', 1]]);
        for (const [r, c, v] of adds) {
          m.addSorted(r, c, v);
          expected.set(`${r},${c}`, (expected.get(`${r},${c}`) ?? 0) + v);
        }
        for (let r = 0; r < 5; r++) {
          const row = rowOf(m, r);
          const want = [...expected].filter(([k]) => k.startsWith(`${r},`)).map(([k, v]) => [Number(k.split(',')[1]), v]);
          expect(row).toEqual(want.sort((a, b) => a[0]! - b[0]!));
        }
      }),
    );
  });
});
