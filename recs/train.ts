import { createEngine, type EngineName } from './registry.ts';
import type { EventLog, RecommenderEngine, TrainingData } from './types.ts';

/** Engines a shop serves by default; ALS and content are opt-in (content needs a catalogue). */
export const defaultServingEngines: EngineName[] = ['session-knn', 'itemknn-rp3beta', 'bought-together', 'trending'];

/**
 * Full retrain: fresh engines trained on all data. Pure CPU work with no I/O, meant to be called
 * by a scheduled activity that loads `data` and swaps the result in atomically.
 */
export function trainEngines(data: TrainingData, names: readonly EngineName[] = defaultServingEngines): Map<EngineName, RecommenderEngine> {
  const trained = new Map<EngineName, RecommenderEngine>();
  for (const name of names) {
    const engine = createEngine(name);
    engine.train(data);
    trained.set(name, engine);
  }
  return trained;
}

/** Incremental path: folds new events into every engine that supports it. */
export function updateEngines(trained: ReadonlyMap<string, RecommenderEngine>, events: EventLog): void {
  for (const engine of trained.values()) engine.update?.(events);
}
