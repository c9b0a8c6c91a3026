import { buildCatalogView, EventKind, IdIndex, trainEngines, updateEngines, type CatalogView, type EngineName, type EventLog, type ProductRecord, type RecommenderEngine } from '../recs/index.ts';
import { emptyEventLog } from '../recs/event-log.ts';
import type { ActivityRow } from './load.ts';

/** Views more than this far apart start a new browsing session. */
export const SESSION_GAP_S = 30 * 60;

/**
 * One shop's trained engines with the id maps and bookkeeping that turn database rows into engine
 * events: customers and products as dense indices, views and cart adds grouped into browsing sessions
 * (30 minutes without activity ends one), each order one basket. Orders and cart lines are counted
 * once however many events mention them. `watermark` is the last events row folded in.
 */
export class ShopModel {
  readonly products = new IdIndex<string>();
  readonly engines: ReadonlyMap<EngineName, RecommenderEngine>;
  catalog: CatalogView;
  watermark: number;
  /** Signals folded in (training plus updates). */
  signals = 0;
  /** Wall-clock ms of the training and of the last update check. */
  readonly trainedAt: number;
  syncedAt: number;
  catalogAt: number;
  private readonly customers = new IdIndex<string>();
  private readonly categories = new IdIndex<string>();
  private readonly sessionKeys = new IdIndex<string>();
  private readonly browsing = new Map<number, { at: number; session: number }>();
  private readonly seenOrders = new Set<string>();
  private readonly seenCartLines = new Set<string>();

  constructor(input: { catalog: readonly ProductRecord[]; rows: readonly ActivityRow[]; watermark: number; engines: readonly EngineName[]; clockMs: number }) {
    for (const p of input.catalog) this.products.intern(p.productId);
    const events = this.toEventLog(input.rows);
    this.catalog = buildCatalogView(input.catalog, this.products, this.categories);
    const data = { events, nUsers: this.customers.size, nItems: this.products.size, now: input.clockMs / 1000, catalog: this.catalog };
    this.engines = trainEngines(data, input.engines);
    this.watermark = input.watermark;
    this.signals = events.length;
    this.trainedAt = this.syncedAt = this.catalogAt = input.clockMs;
  }

  /** Folds new rows into every engine that updates incrementally; a new catalogue replaces the serving view. */
  update(rows: readonly ActivityRow[], watermark: number, clockMs: number, catalog?: readonly ProductRecord[]): void {
    const events = this.toEventLog(rows);
    if (events.length) updateEngines(this.engines, events);
    if (catalog) {
      this.catalog = buildCatalogView(catalog, this.products, this.categories);
      this.catalogAt = clockMs;
    }
    this.signals += events.length;
    this.watermark = Math.max(this.watermark, watermark);
    this.syncedAt = clockMs;
  }

  has(engine: EngineName): boolean {
    return this.engines.has(engine);
  }

  private toEventLog(rows: readonly ActivityRow[]): EventLog {
    const fresh = this.firstMentions(rows).sort((a, b) => a.at - b.at || a.eventId - b.eventId);
    const log = emptyEventLog(fresh.length);
    fresh.forEach((row, r) => {
      const user = this.customers.intern(row.customerId);
      log.user[r] = user;
      log.item[r] = this.products.intern(row.productId);
      log.time[r] = row.at;
      log.kind[r] = EventKind[row.kind];
      log.session[r] = row.kind === 'purchase' ? this.sessionKeys.intern(`order:${row.groupId}`) : this.browsingSession(user, row.at);
    });
    return log;
  }

  /** Drops orders already counted (an order reaches us through several events) and repeated cart lines. */
  private firstMentions(rows: readonly ActivityRow[]): ActivityRow[] {
    const orderEvent = new Map<string, number>();
    const kept: ActivityRow[] = [];
    for (const row of rows) {
      if (row.kind === 'purchase' && row.groupId !== null) {
        if (this.seenOrders.has(row.groupId)) continue;
        if (!orderEvent.has(row.groupId)) orderEvent.set(row.groupId, row.eventId);
        if (orderEvent.get(row.groupId) !== row.eventId) continue;
      } else if (row.kind === 'cart' && row.groupId !== null) {
        const line = `${row.groupId}\u0000${row.productId}`;
        if (this.seenCartLines.has(line)) continue;
        this.seenCartLines.add(line);
      }
      kept.push(row);
    }
    for (const order of orderEvent.keys()) this.seenOrders.add(order);
    return kept;
  }

  private browsingSession(user: number, at: number): number {
    const current = this.browsing.get(user);
    if (current && Math.abs(at - current.at) <= SESSION_GAP_S) {
      current.at = Math.max(current.at, at);
      return current.session;
    }
    const session = this.sessionKeys.intern(`browse:${user}:${this.sessionKeys.size}`);
    this.browsing.set(user, { at, session });
    return session;
  }
}
