import type { GrowableCsr } from '../csr/growable-csr.ts';

/** YᵀY for row-major factors Y (n × f). */
export function gram(y: Float32Array, n: number, f: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let r = 0; r < n; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const ya = y[o + a]!;
      if (ya === 0) continue;
      for (let b = a; b < f; b++) g[a * f + b]! += ya * y[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a]!;
  return g;
}

/** Scratch vectors for one conjugate-gradient solve of factor size f. */
export class CgScratch {
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  readonly x: Float64Array;
  constructor(readonly f: number) {
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
    this.x = new Float64Array(f);
  }
}

/**
 * A few conjugate-gradient steps on (YᵀY + λI + Σ_i (c_i − 1) y_i y_iᵀ) x = Σ_i c_i y_i, the
 * implicit-ALS normal equations (Hu, Koren & Volinsky 2008) for one row, with c_i = 1 + α·w_i
 * over the row's entries. Warm-started from `out` and written back to it (Takács et al. 2011).
 */
export function solveRow(
  rows: GrowableCsr, row: number, y: Float32Array, yty: Float64Array, out: Float32Array, outOffset: number,
  alpha: number, lambda: number, steps: number, s: CgScratch,
): void {
  const { f, r, p, ap, x } = s;
  for (let a = 0; a < f; a++) x[a] = out[outOffset + a]!;
  applyA(rows, row, y, yty, x, r, alpha, lambda, f);
  for (let a = 0; a < f; a++) r[a] = -r[a]!;
  for (let e = rows.start[row]!; e < rows.start[row]! + rows.len[row]!; e++) {
    const c = 1 + alpha * rows.val[e]!;
    const o = rows.col[e]! * f;
    for (let a = 0; a < f; a++) r[a]! += c * y[o + a]!;
  }
  p.set(r);
  let rsOld = dot(r, r, f);
  for (let it = 0; it < steps && rsOld > 1e-20; it++) {
    applyA(rows, row, y, yty, p, ap, alpha, lambda, f);
    const step = rsOld / dot(p, ap, f);
    for (let a = 0; a < f; a++) {
      x[a]! += step * p[a]!;
      r[a]! -= step * ap[a]!;
    }
    const rsNew = dot(r, r, f);
    for (let a = 0; a < f; a++) p[a] = r[a]! + (rsNew / rsOld) * p[a]!;
    rsOld = rsNew;
  }
  for (let a = 0; a < f; a++) out[outOffset + a] = x[a]!;
}

/** out = (YᵀY + λI) v + Σ_i (c_i − 1)(y_i·v) y_i */
function applyA(
  rows: GrowableCsr, row: number, y: Float32Array, yty: Float64Array, v: Float64Array, out: Float64Array,
  alpha: number, lambda: number, f: number,
): void {
  for (let a = 0; a < f; a++) {
    let s = lambda * v[a]!;
    for (let b = 0; b < f; b++) s += yty[a * f + b]! * v[b]!;
    out[a] = s;
  }
  for (let e = rows.start[row]!; e < rows.start[row]! + rows.len[row]!; e++) {
    const o = rows.col[e]! * f;
    let yv = 0;
    for (let a = 0; a < f; a++) yv += y[o + a]! * v[a]!;
    const k = alpha * rows.val[e]! * yv;
    for (let a = 0; a < f; a++) out[a]! += k * y[o + a]!;
  }
}

function dot(a: Float64Array, b: Float64Array, f: number): number {
  let s = 0;
  for (let i = 0; i < f; i++) s += a[i]! * b[i]!;
  return s;
}
