// Public surface of the recommender module. Everything here is pure TypeScript over typed
// arrays: callers load data (db/), call these functions (activities/), and own all I/O.
export { EventKind } from './types.ts';
export type { CatalogView, EventLog, ItemEvent, RecommendRequest, RecommenderEngine, ScoredItem, TrainingData } from './types.ts';
export { engines, engineNames, createEngine, isEngineName, type EngineName } from './registry.ts';
export { trainEngines, updateEngines, defaultServingEngines } from './train.ts';
export { recommendFor, type RecommendForInput, type Recommendation, type CustomerEvent } from './facade.ts';
export { applyBusinessRules, type BusinessRules, type RuleContext } from './serving/business-rules.ts';
export { diversify } from './serving/diversity.ts';
export { buildCatalogView, type ProductRecord } from './catalog.ts';
export { IdIndex } from './id-index.ts';
export { eventLogFrom, type EventRow } from './event-log.ts';
export { defaultWeighting, type EventWeighting } from './weights.ts';
