import { join } from 'node:path';
import { ContentEngine } from '../content/engine.ts';
import { band, productTokens } from '../content/features.ts';
import { readTable } from './read-table.ts';

const NEIGHBOURS = 10;

/**
 * Content similarity on the Olist catalogue. The file has no prices, so physical weight stands in
 * as the banded numeric attribute the check looks at ("price band" in a catalogue with prices).
 * Prints how often a product's top neighbours share its category and weight band, against the
 * rate for random pairs.
 */
export function runOlistEvaluation(dir: string): void {
  const rows = readTable(join(dir, 'olist_products_dataset.csv'));
  const category = rows.map((r) => r[1] ?? '');
  const weightBand = rows.map((r) => band(Number(r[5])));
  const tokens = rows.map(([, cat, , , photos, weight, length, height, width]) =>
    productTokens({
      ...(cat ? { category: cat } : {}),
      numbers: { weight_g: Number(weight), volume_cm3: Number(length) * Number(height) * Number(width), photos: Number(photos) },
    }),
  );
  const started = performance.now();
  const engine = new ContentEngine('content', NEIGHBOURS);
  engine.trainOnTokens(tokens);
  console.log(`olist: ${rows.length} products; content neighbours built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  let pairs = 0, sameCategory = 0, sameBand = 0, randomCategory = 0, randomBand = 0;
  for (let i = 0; i < rows.length; i += 7) {
    if (!category[i]) continue;
    const other = (i * 7919 + 13) % rows.length;
    for (const n of engine.similarTo(i)) {
      pairs++;
      if (category[n.item] === category[i]) sameCategory++;
      if (weightBand[n.item] === weightBand[i]) sameBand++;
      if (category[other] === category[i]) randomCategory++;
      if (weightBand[other] === weightBand[i]) randomBand++;
    }
  }
  const example = rows.findIndex((r) => r[1] === 'moveis_decoracao');
  console.log(`example ${rows[example]?.[0]} (${category[example]}, weight band ${weightBand[example]}):`);
  for (const n of engine.similarTo(example).slice(0, 5)) console.log(`  ${rows[n.item]?.[0]} ${category[n.item]} weight band ${weightBand[n.item]} cos=${n.score.toFixed(3)}`);
  const share = (x: number) => (x / pairs).toFixed(3);
  console.log(`top-${NEIGHBOURS} neighbours sharing the category: ${share(sameCategory)} (random pairs ${share(randomCategory)}); sharing the weight band: ${share(sameBand)} (random ${share(randomBand)})`);
  console.log(`olist same_category=${share(sameCategory)} same_band=${share(sameBand)}`);
}
