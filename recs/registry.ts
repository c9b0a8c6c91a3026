import { AlsEngine } from './als/engine.ts';
import { BoughtTogetherEngine } from './basket/engine.ts';
import { ContentEngine } from './content/engine.ts';
import { ItemKnnEngine } from './itemknn/engine.ts';
import { asymmetricCosine, rp3beta } from './itemknn/similarity.ts';
import { PopularityEngine } from './popularity/engine.ts';
import { SessionKnnEngine } from './session/engine.ts';
import type { RecommenderEngine } from './types.ts';

/**
 * Every engine by the name experiments split traffic on. Each entry makes a fresh, untrained
 * engine with the parameters chosen on the YOOCHOOSE validation split (train_tr → train_valid,
 * see scripts/eval-recs.ts); they are starting points a shop's own retrain can re-tune.
 */
export const engines = {
  'session-knn': () => new SessionKnnEngine('session-knn', { lambdaPosition: 1, neighbors: 200 }),
  'itemknn-cosine': () => new ItemKnnEngine('itemknn-cosine', { similarity: asymmetricCosine(0.5, 10) }),
  'itemknn-asymcosine': () => new ItemKnnEngine('itemknn-asymcosine', { similarity: asymmetricCosine(0.3, 10) }),
  'itemknn-rp3beta': () => new ItemKnnEngine('itemknn-rp3beta', { similarity: rp3beta(0.8, 0.3) }),
  'bought-together': () => new BoughtTogetherEngine('bought-together'),
  content: () => new ContentEngine('content'),
  popular: () => new PopularityEngine('popular', { view: 1, cart: 3, purchase: 10, halfLifeDays: Infinity }),
  trending: () => new PopularityEngine('trending'),
  als: () => new AlsEngine('als'),
} satisfies Record<string, () => RecommenderEngine>;

export type EngineName = keyof typeof engines;

export const engineNames = Object.keys(engines) as EngineName[];

export function isEngineName(name: string): name is EngineName {
  return Object.hasOwn(engines, name);
}

/** A fresh engine by name, with an error that lists the valid names. */
export function createEngine(name: string): RecommenderEngine {
  if (!isEngineName(name)) throw new Error(`unknown recommender engine "${name}"; known engines: ${engineNames.join(', ')}`);
  return engines[name]();
}
