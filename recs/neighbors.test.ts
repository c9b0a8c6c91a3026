import { describe, expect, it } from 'vitest';
import { ScoreAccumulator } from './accumulator.ts';
import { NeighborTable } from './neighbors.ts';

describe('NeighborTable', () => {
  it('keeps the best k per row and patches entries in place, staying ordered', () => {
    const table = new NeighborTable(3, 2);
    const acc = new ScoreAccumulator(3);
    acc.add(1, 0.5);
    acc.add(2, 0.9);
    acc.add(0, 5); // the item itself never becomes its own neighbour
    table.setRowFrom(0, acc, (_j, raw) => raw);
    expect([...table.item.subarray(0, 2)]).toEqual([2, 1]);
    table.upsert(0, 1, 1.2); // existing entry rises to the top
    expect([...table.item.subarray(0, 2)]).toEqual([1, 2]);
    table.upsert(1, 0, 0.3);
    table.upsert(1, 2, 0.1);
    table.upsert(1, 2, 0.05);
    expect(table.count[1]).toBe(2);
    expect([...table.score.subarray(2, 4)]).toEqual([Math.fround(0.3), Math.fround(0.05)]);
  });
});
