import type { Database } from '../db/client.ts';
import type { Logger } from '../lib/logger.ts';
import type { EngineName, Recommendation } from '../recs/index.ts';
import type { JourneyName } from '../workflows/types.ts';
import { catalogChanged, inStockNow, latestEventId, loadActivity, loadCatalog, loadCustomerHistory, loadPurchases } from './load.ts';
import { planEngines, planFor, recommendChain } from './plan.ts';
import { SESSION_GAP_S, ShopModel } from './shop-model.ts';

export interface RecsServiceOptions {
  database: Database;
  logger: Logger;
  /** Wall clock in ms for cache ages (tests move it by hand). */
  clock?: () => number;
  /** Before serving, a cache that last looked for new events longer ago than this folds them in first. */
  maxStalenessMs?: number;
  /** A cache trained longer ago than this is retrained on its next use, in the background. */
  retrainAfterMs?: number;
  /** The catalogue view (stock, categories, prices) is reloaded at least this often. */
  catalogMaxAgeMs?: number;
}

export interface RecsRequest {
  shopId: string;
  customerId: string;
  journey: JourneyName;
  /** What the trigger is about: the viewed product, the cart or order lines, the campaign's items. */
  productIds: readonly string[];
  limit: number;
  /** An experiment arm's engine, replacing the journey's default chain. */
  engine?: string | null;
  /** The serving instant (rules such as "not bought in 30 days" are judged at it). */
  now?: Date;
}

export interface RecsResult {
  productIds: string[];
  /** The trigger's products kept and the engines that proposed the rest, e.g. "trigger+session-knn". */
  source: string;
  items: (Recommendation | { productId: string; score: number; source: 'trigger' })[];
}

export interface RetrainSummary {
  shopId: string;
  signals: number;
  products: number;
  ms: number;
}

const DAY_MS = 86_400_000;
const CAMPAIGN_RANK_DEPTH = 200;

/**
 * The recommender as the journeys use it: a trained model per shop cached in this process, kept
 * fresh by folding in the event rows stored since it last looked (at most `maxStalenessMs` old when
 * serving), retrained in full on a schedule and when older than `retrainAfterMs`. Every worker holds
 * and refreshes its own cache; nothing is shared between processes but the database.
 */
export class RecsService {
  private readonly models = new Map<string, ShopModel>();
  private readonly training = new Map<string, Promise<ShopModel>>();
  private readonly syncing = new Map<string, Promise<void>>();
  /** Engines a shop's cache must hold beyond the plans' own (asked for by experiment arms). */
  private readonly extraEngines = new Map<string, Set<EngineName>>();
  private readonly clock: () => number;
  private readonly maxStalenessMs: number;
  private readonly retrainAfterMs: number;
  private readonly catalogMaxAgeMs: number;

  constructor(private readonly options: RecsServiceOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxStalenessMs = options.maxStalenessMs ?? 2_000;
    this.retrainAfterMs = options.retrainAfterMs ?? 7 * DAY_MS;
    this.catalogMaxAgeMs = options.catalogMaxAgeMs ?? 60_000;
  }

  async recommend(request: RecsRequest): Promise<RecsResult> {
    const { database } = this.options;
    const plan = planFor(request.journey, request.engine);
    const model = await this.fresh(request.shopId, plan.chain);
    const now = (request.now ?? new Date(this.clock())).getTime() / 1000;
    const history = await loadCustomerHistory(database, request.shopId, request.customerId);
    const trigger = [...new Set(request.productIds)];
    const sessionProductIds = [
      ...(plan.session.startsWith('browsing') ? latestBrowsing(history) : []),
      ...(plan.session === 'trigger' || plan.session === 'browsing+trigger' ? trigger : []),
    ];
    // Campaign items are ordered by where they rank among the customer's top candidates; the rest keep their order.
    const k = plan.trigger === 'only' ? Math.min(model.products.size, CAMPAIGN_RANK_DEPTH) : request.limit * 2;
    const proposed = recommendChain({
      chain: plan.chain, engines: model.engines, products: model.products, catalog: model.catalog, customerHistory: history,
      sessionProductIds, exclude: plan.trigger === 'only' ? [] : trigger, k, now,
    });
    // The cache's stock may lag by up to catalogMaxAgeMs: look once more at what is about to be sent.
    const available = new Set(await inStockNow(database, request.shopId, [...trigger, ...proposed.map((p) => p.productId)]));
    const recommended = proposed.filter((p) => available.has(p.productId));
    const leading = trigger.filter((id) => available.has(id));
    let items: RecsResult['items'];
    if (plan.trigger === 'only') {
      const rank = new Map(recommended.map((p, n) => [p.productId, n]));
      items = leading
        .map((productId, n) => ({ productId, score: -(rank.get(productId) ?? recommended.length + n), source: 'trigger' as const }))
        .sort((a, b) => b.score - a.score);
    } else items = [...(plan.trigger === 'lead' ? leading.map((productId) => ({ productId, score: Infinity, source: 'trigger' as const })) : []), ...recommended];
    items = items.slice(0, request.limit);
    return { productIds: items.map((i) => i.productId), source: [...new Set(items.map((i) => i.source))].join('+'), items };
  }

  /** Retrains one shop's cache now and swaps it in; serving continues on the old one meanwhile. */
  retrain(shopId: string): Promise<RetrainSummary> {
    const started = this.clock();
    return this.train(shopId).then((m) => ({ shopId, signals: m.signals, products: m.products.size, ms: this.clock() - started }));
  }

  /** Retrains every shop this process has cached (the others train on first use). */
  async retrainAll(onShop: (summary: RetrainSummary) => void = () => {}): Promise<RetrainSummary[]> {
    const done: RetrainSummary[] = [];
    for (const shopId of [...this.models.keys()]) {
      const summary = await this.retrain(shopId);
      onShop(summary);
      done.push(summary);
    }
    return done;
  }

  /** The cached model's state, for diagnostics and tests. */
  status(shopId: string): { watermark: number; signals: number; trainedAt: number; syncedAt: number } | null {
    const m = this.models.get(shopId);
    return m ? { watermark: m.watermark, signals: m.signals, trainedAt: m.trainedAt, syncedAt: m.syncedAt } : null;
  }

  /** A model holding `chain`'s engines, with every event stored more than `maxStalenessMs` ago folded in. */
  private async fresh(shopId: string, chain: readonly EngineName[]): Promise<ShopModel> {
    const missing = chain.filter((e) => !planEngines.includes(e));
    if (missing.length) {
      const extra = this.extraEngines.get(shopId) ?? new Set();
      missing.forEach((e) => extra.add(e));
      this.extraEngines.set(shopId, extra);
    }
    let model = this.models.get(shopId);
    if (!model || chain.some((e) => !model!.has(e))) return this.train(shopId);
    if (this.clock() - model.trainedAt > this.retrainAfterMs) void this.train(shopId).catch((error: unknown) => this.options.logger.error({ shopId, error }, 'recommender retrain failed'));
    if (this.clock() - model.syncedAt > this.maxStalenessMs) await this.sync(shopId, model);
    model = this.models.get(shopId) ?? model;
    return model;
  }

  private train(shopId: string): Promise<ShopModel> {
    const running = this.training.get(shopId);
    if (running) return running;
    const job = this.load(shopId).finally(() => this.training.delete(shopId));
    this.training.set(shopId, job);
    return job;
  }

  private async load(shopId: string): Promise<ShopModel> {
    const { database, logger } = this.options;
    const started = this.clock();
    const watermark = await latestEventId(database, shopId);
    const [catalog, browsing, purchases] = await Promise.all([
      loadCatalog(database, shopId),
      loadActivity(database, shopId, 0, watermark),
      loadPurchases(database, shopId),
    ]);
    const engines = [...planEngines, ...(this.extraEngines.get(shopId) ?? [])];
    // Orders come whole from the orders table; the events' own order rows would count them twice.
    const rows = [...browsing.filter((r) => r.kind !== 'purchase'), ...purchases];
    const model = new ShopModel({ catalog, rows, watermark, engines, clockMs: this.clock() });
    this.models.set(shopId, model);
    logger.info({ shopId, signals: model.signals, products: model.products.size, watermark, ms: this.clock() - started }, 'recommender trained');
    return model;
  }

  private sync(shopId: string, model: ShopModel): Promise<void> {
    const running = this.syncing.get(shopId);
    if (running) return running;
    const job = this.applyNewEvents(shopId, model).finally(() => this.syncing.delete(shopId));
    this.syncing.set(shopId, job);
    return job;
  }

  private async applyNewEvents(shopId: string, model: ShopModel): Promise<void> {
    const { database } = this.options;
    const checkedAt = this.clock();
    const upTo = await latestEventId(database, shopId);
    const after = model.watermark;
    const rows = upTo > after ? await loadActivity(database, shopId, after, upTo) : [];
    const stale = checkedAt - model.catalogAt > this.catalogMaxAgeMs || (upTo > after && (await catalogChanged(database, shopId, after, upTo)));
    model.update(rows, upTo, checkedAt, stale ? await loadCatalog(database, shopId) : undefined);
    if (rows.length) this.options.logger.debug({ shopId, rows: rows.length, after, upTo, ms: this.clock() - checkedAt }, 'recommender updated');
  }
}

/** The products of the customer's latest browsing session (views and cart adds), oldest first. */
function latestBrowsing(history: readonly { productId: string; kind: string; at: number }[]): string[] {
  const browsing = history.filter((e) => e.kind !== 'purchase');
  let start = browsing.length - 1;
  while (start > 0 && browsing[start]!.at - browsing[start - 1]!.at <= SESSION_GAP_S) start--;
  return browsing.slice(Math.max(start, 0)).map((e) => e.productId);
}
