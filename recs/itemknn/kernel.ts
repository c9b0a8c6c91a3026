import type { ScoreAccumulator } from '../accumulator.ts';
import type { InteractionMatrix } from './interactions.ts';
import type { Similarity } from './similarity.ts';

/** acc[j] += Σ_u L(i,u)·R(u,j): item i's co-occurrence row. The training hot loop. */
export function accumulateRow(m: InteractionMatrix, i: number, acc: ScoreAccumulator): void {
  const { byItem, byUser } = m;
  const iStart = byItem.start[i]!;
  const iEnd = iStart + byItem.len[i]!;
  const ucol = byUser.col;
  const uedge = byUser.edge;
  for (let e = iStart; e < iEnd; e++) {
    const u = byItem.col[e]!;
    const left = byItem.edge[e]!;
    const s = byUser.start[u]!;
    const end = s + byUser.len[u]!;
    for (let f = s; f < end; f++) acc.add(ucol[f]!, left * uedge[f]!);
  }
}

/**
 * acc[j] += Σ_u L(j,u)·R(u,i): the column of item i, i.e. how strongly every j points at i.
 * Needed only when patching rows incrementally for a non-symmetric similarity.
 */
export function accumulateColumn(m: InteractionMatrix, sim: Similarity, i: number, acc: ScoreAccumulator): void {
  const { byItem, byUser } = m;
  const iStart = byItem.start[i]!;
  for (let e = iStart; e < iStart + byItem.len[i]!; e++) {
    const u = byItem.col[e]!;
    const right = sim.userEdge(m, u, byItem.val[e]!);
    const s = byUser.start[u]!;
    for (let f = s; f < s + byUser.len[u]!; f++) {
      const j = byUser.col[f]!;
      acc.add(j, sim.itemEdge(m, j, byUser.val[f]!) * right);
    }
  }
}
