import { GrowableCsr } from './growable-csr.ts';

/**
 * Builds a row-sorted matrix from (row, col, value) triples, summing duplicates. Two stable
 * counting sorts (by column, then by row) order 10M triples in well under a second, where a
 * comparator sort would take many. `slack` spare slots per row make later inserts cheap.
 */
export function buildCsr(
  nRows: number,
  nCols: number,
  rows: Int32Array,
  cols: Int32Array,
  vals: Float32Array,
  slack = 2,
): GrowableCsr {
  const byCol = countingOrder(cols, nCols, identity(rows.length));
  const order = countingOrder(rows, nRows, byCol);
  const distinct = new Int32Array(nRows);
  let prevRow = -1;
  let prevCol = -1;
  for (const e of order) {
    if (rows[e] !== prevRow || cols[e] !== prevCol) distinct[rows[e]!]!++;
    prevRow = rows[e]!;
    prevCol = cols[e]!;
  }
  let total = 0;
  for (let r = 0; r < nRows; r++) total += distinct[r]! + (distinct[r]! > 0 ? slack : 0);
  const m = new GrowableCsr(nRows, total);
  for (let r = 0; r < nRows; r++) m.reserveRow(r, distinct[r]! > 0 ? distinct[r]! + slack : 0);
  for (const e of order) {
    const r = rows[e]!;
    const last = m.start[r]! + m.len[r]! - 1;
    if (m.len[r]! > 0 && m.col[last] === cols[e]) m.val[last] = m.val[last]! + vals[e]!;
    else m.append(r, cols[e]!, vals[e]!);
  }
  return m;
}

/** The transposed matrix (column-major view), rows sorted, same values. */
export function transposeCsr(m: GrowableCsr, nCols: number, slack = 2): GrowableCsr {
  const count = new Int32Array(nCols);
  for (let r = 0; r < m.nRows; r++) {
    const s = m.start[r]!;
    for (let e = s; e < s + m.len[r]!; e++) count[m.col[e]!]!++;
  }
  let total = 0;
  for (let c = 0; c < nCols; c++) total += count[c]! + (count[c]! > 0 ? slack : 0);
  const t = new GrowableCsr(nCols, total);
  for (let c = 0; c < nCols; c++) t.reserveRow(c, count[c]! > 0 ? count[c]! + slack : 0);
  for (let r = 0; r < m.nRows; r++) {
    const s = m.start[r]!;
    for (let e = s; e < s + m.len[r]!; e++) t.append(m.col[e]!, r, m.val[e]!);
  }
  return t;
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** Stable counting sort of `input` (entry ids) by key[entry] in [0, nKeys). */
function countingOrder(key: Int32Array, nKeys: number, input: Int32Array): Int32Array {
  const offset = new Int32Array(nKeys + 1);
  for (const e of input) offset[key[e]! + 1]!++;
  for (let k = 0; k < nKeys; k++) offset[k + 1]! += offset[k]!;
  const out = new Int32Array(input.length);
  for (const e of input) out[offset[key[e]!]!++] = e;
  return out;
}
