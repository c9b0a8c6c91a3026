// Every random choice in the models comes from this generator, so a decision can be replayed from its
// seed and its propensity recomputed offline. sfc32 is small, fast in V8 (32-bit integer ops only) and
// passes PractRand; Math.random can be neither seeded nor replayed.

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  // Marsaglia's polar method yields normals in pairs; keeping the second halves the cost.
  private spare = 0;
  private hasSpare = false;

  constructor(seed: string | number) {
    const [a, b, c, d] = hashSeed(String(seed));
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    // The first outputs of sfc32 are correlated with the seed words; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in (0, 1): safe to take the logarithm of. */
  nextOpen(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang's squeeze method. */
  gamma(shape: number): number {
    if (shape < 1) {
      // Boost: Gamma(k) = Gamma(k + 1) · U^(1/k) (Marsaglia & Tsang 2000, section 6). May underflow to 0
      // for tiny k; beta() handles that case in log space.
      return this.gamma(shape + 1) * Math.exp(Math.log(this.nextOpen()) / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = this.nextOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    if (x + y > 0) return x / (x + y);
    // Both shapes so small that both variates underflowed: redraw in log space.
    return 1 / (1 + Math.exp(this.logGamma(b) - this.logGamma(a)));
  }

  /** log of a Gamma(shape, 1) variate, for shapes whose variates can be below the smallest double. */
  private logGamma(shape: number): number {
    if (shape < 1) return this.logGamma(shape + 1) + Math.log(this.nextOpen()) / shape;
    return Math.log(this.gamma(shape));
  }
}

/** cyrb128: spreads any string over four 32-bit words, so similar seeds give unrelated streams. */
function hashSeed(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
