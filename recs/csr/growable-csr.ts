// A sparse matrix in CSR layout whose rows can grow in place, so incremental updates do not
// force a rebuild. Each row owns a slice [start, start+cap) of one arena; a row that outgrows its
// slice moves to the arena's end (the old slice becomes garbage until the next full train).
// Rows kept sorted by column allow binary search; sequence rows (session clicks) just append.

export class GrowableCsr {
  nRows: number;
  start: Int32Array;
  len: Int32Array;
  cap: Int32Array;
  col: Int32Array;
  /** Stored value per entry (raw event weight, click position, ...). */
  val: Float32Array;
  /** Derived per-entry value that similarity kernels read (see itemknn/similarity.ts). */
  edge: Float32Array;
  used = 0;

  constructor(nRows: number, capacity: number) {
    this.nRows = nRows;
    this.start = new Int32Array(Math.max(1, nRows));
    this.len = new Int32Array(Math.max(1, nRows));
    this.cap = new Int32Array(Math.max(1, nRows));
    this.col = new Int32Array(Math.max(16, capacity));
    this.val = new Float32Array(this.col.length);
    this.edge = new Float32Array(this.col.length);
  }

  /** Reserves a slice of `cap` entries for an empty row (used while building). */
  reserveRow(row: number, cap: number): void {
    this.ensureArena(this.used + cap);
    this.start[row] = this.used;
    this.cap[row] = cap;
    this.len[row] = 0;
    this.used += cap;
  }

  ensureRows(nRows: number): void {
    if (nRows <= this.nRows) return;
    if (nRows > this.start.length) {
      const size = Math.max(nRows, Math.ceil(this.start.length * 1.5));
      this.start = grow(this.start, size);
      this.len = grow(this.len, size);
      this.cap = grow(this.cap, size);
    }
    this.nRows = nRows;
  }

  /** Entry index of (row, col) in a sorted row, or -1. */
  indexOf(row: number, col: number): number {
    let lo = this.start[row]!;
    let hi = lo + this.len[row]! - 1;
    const cols = this.col;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = cols[mid]!;
      if (c === col) return mid;
      if (c < col) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Adds `delta` to (row, col), inserting the entry in column order if absent. Returns its index. */
  addSorted(row: number, col: number, delta: number): number {
    const found = this.indexOf(row, col);
    if (found >= 0) {
      this.val[found] = this.val[found]! + delta;
      return found;
    }
    this.makeRoom(row);
    const s = this.start[row]!;
    const n = this.len[row]!;
    let at = s + n;
    while (at > s && this.col[at - 1]! > col) at--;
    this.col.copyWithin(at + 1, at, s + n);
    this.val.copyWithin(at + 1, at, s + n);
    this.edge.copyWithin(at + 1, at, s + n);
    this.col[at] = col;
    this.val[at] = delta;
    this.edge[at] = 0;
    this.len[row] = n + 1;
    return at;
  }

  /** Appends an entry at the row's end (rows used as sequences). */
  append(row: number, col: number, val: number): number {
    this.makeRoom(row);
    const at = this.start[row]! + this.len[row]!;
    this.col[at] = col;
    this.val[at] = val;
    this.edge[at] = 0;
    this.len[row] = this.len[row]! + 1;
    return at;
  }

  private makeRoom(row: number): void {
    const n = this.len[row]!;
    if (n < this.cap[row]!) return;
    const cap = Math.max(4, n * 2);
    this.ensureArena(this.used + cap);
    const from = this.start[row]!;
    this.col.copyWithin(this.used, from, from + n);
    this.val.copyWithin(this.used, from, from + n);
    this.edge.copyWithin(this.used, from, from + n);
    this.start[row] = this.used;
    this.cap[row] = cap;
    this.used += cap;
  }

  private ensureArena(size: number): void {
    if (size <= this.col.length) return;
    const next = Math.max(size, Math.ceil(this.col.length * 1.5));
    this.col = grow(this.col, next);
    this.val = grow(this.val, next);
    this.edge = grow(this.edge, next);
  }
}

function grow<T extends Int32Array | Float32Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}
