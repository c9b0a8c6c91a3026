/**
 * How much a token kind counts beside its IDF: sharing a category says more about substitutes
 * and complements than sharing a price band or a word.
 */
export function defaultTokenWeight(token: string): number {
  return token.startsWith('cat:') ? 2 : 1;
}

/**
 * Item × token triples weighted by inverse document frequency (log(N / df)) and scaled to unit
 * length per item, so the kernel's dot product is the cosine. Tokens present in every item carry
 * no information and get weight 0, which keeps the kernel from visiting them.
 */
export function tokenMatrix(tokens: readonly (readonly string[])[], tokenWeight = defaultTokenWeight): {
  features: Int32Array;
  items: Int32Array;
  weights: Float32Array;
  nFeatures: number;
} {
  const featureOf = new Map<string, number>();
  const df: number[] = [];
  for (const list of tokens) {
    for (const t of list) {
      let f = featureOf.get(t);
      if (f === undefined) featureOf.set(t, (f = df.push(0) - 1));
      df[f]!++;
    }
  }
  const features: number[] = [];
  const items: number[] = [];
  const weights: number[] = [];
  tokens.forEach((list, item) => {
    const idf = list.map((t) => tokenWeight(t) * Math.log(tokens.length / df[featureOf.get(t)!]!));
    const norm = Math.sqrt(idf.reduce((s, w) => s + w * w, 0)) || 1;
    list.forEach((t, n) => {
      if (idf[n]! <= 0) return;
      features.push(featureOf.get(t)!);
      items.push(item);
      weights.push(idf[n]! / norm);
    });
  });
  return { features: Int32Array.from(features), items: Int32Array.from(items), weights: Float32Array.from(weights), nFeatures: df.length };
}
