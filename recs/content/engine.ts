import { accumulatorFor, type ScoreAccumulator } from '../accumulator.ts';
import { InteractionMatrix } from '../itemknn/interactions.ts';
import { asymmetricCosine } from '../itemknn/similarity.ts';
import { buildNeighborTable, neighborsOf, scoreFromNeighbors } from '../neighbor-scoring.ts';
import { NeighborTable } from '../neighbors.ts';
import { defaultProfileOptions, seedItems } from '../profile.ts';
import type { RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from '../types.ts';
import { catalogTokens } from './features.ts';
import { tokenMatrix } from './tfidf.ts';

/**
 * Content similarity: cosine between TF-IDF vectors of product tokens (category, price band,
 * attributes, text). Needs no interactions, so it covers products nobody has seen yet. Retrain
 * when the catalogue changes; events do not affect it.
 */
export class ContentEngine implements RecommenderEngine {
  private table = new NeighborTable(0, 1);
  private acc: ScoreAccumulator | undefined;

  constructor(
    readonly name: string,
    readonly neighbors = 50,
    /** Share of a seed's best neighbour score the seed itself gets (0: never recommend seeds). */
    readonly selfWeight = 0,
  ) {}

  train(data: TrainingData): void {
    if (!data.catalog) throw new Error(`${this.name}: training needs data.catalog (product attributes)`);
    this.trainOnTokens(catalogTokens(data.catalog));
  }

  trainOnTokens(tokens: readonly (readonly string[])[]): void {
    const { features, items, weights, nFeatures } = tokenMatrix(tokens);
    const none = { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity };
    // Features play the "user" role of the co-occurrence kernel: items sharing features are close.
    const m = InteractionMatrix.fromTriples(nFeatures, tokens.length, features, items, weights, none, 0);
    this.acc = accumulatorFor(this.acc, tokens.length);
    this.table = buildNeighborTable(m, asymmetricCosine(0.5, 0), this.neighbors, this.acc);
  }

  recommend(request: RecommendRequest): ScoredItem[] {
    const seeds = seedItems(request, this.table.nItems, defaultProfileOptions);
    this.acc = accumulatorFor(this.acc, this.table.nItems);
    return scoreFromNeighbors(this.table, seeds, request.k, this.acc, this.selfWeight);
  }

  similarTo(item: number): ScoredItem[] {
    return neighborsOf(this.table, item);
  }
}
