// Weighted pool-adjacent-violators: the closest non-decreasing sequence in weighted least squares.
// Used to keep discount-tier conversion rates rising with the tier. Called inside Monte-Carlo loops,
// so it works in place on reused scratch buffers instead of allocating per call.

let blockValue = new Float64Array(16);
let blockWeight = new Float64Array(16);
let blockSize = new Int32Array(16);

/** Writes the isotonic fit of `values[0..n)` with `weights` into `out` (may be `values` itself). */
export function isotonicIncreasing(
  values: ArrayLike<number>,
  weights: ArrayLike<number>,
  out: { [i: number]: number; length: number },
  n = values.length,
): void {
  if (blockValue.length < n) {
    blockValue = new Float64Array(n);
    blockWeight = new Float64Array(n);
    blockSize = new Int32Array(n);
  }
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    blockValue[top] = values[i]!;
    blockWeight[top] = weights[i]!;
    blockSize[top] = 1;
    while (top > 0 && blockValue[top - 1]! > blockValue[top]!) {
      const w = blockWeight[top - 1]! + blockWeight[top]!;
      blockValue[top - 1] =
        w > 0
          ? (blockValue[top - 1]! * blockWeight[top - 1]! + blockValue[top]! * blockWeight[top]!) / w
          : (blockValue[top - 1]! + blockValue[top]!) / 2;
      blockWeight[top - 1] = w;
      blockSize[top - 1]! += blockSize[top]!;
      top--;
    }
  }
  let i = 0;
  for (let b = 0; b <= top; b++) {
    for (let j = 0; j < blockSize[b]!; j++) out[i++] = blockValue[b]!;
  }
}
