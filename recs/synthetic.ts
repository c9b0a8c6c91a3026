import { emptyEventLog } from './event-log.ts';
import { seededRandom } from './random.ts';
import { EventKind, type CatalogView, type EventLog } from './types.ts';

export interface SyntheticShop {
  events: EventLog;
  catalog: CatalogView;
  nUsers: number;
  nItems: number;
  now: number;
}

const DAY = 86_400;

/**
 * A generated shop with learnable structure, for benchmarks: items sit in categories with
 * Zipf-like popularity inside each, every customer favours two categories, sessions are
 * customer-days, and 85% of events are views, 10% cart adds, 5% purchases over 90 days.
 */
export function syntheticShop(opts: { nItems: number; nUsers: number; nEvents: number; categories?: number; seed?: number }): SyntheticShop {
  const { nItems, nUsers, nEvents } = opts;
  const nCategories = opts.categories ?? Math.max(1, Math.round(nItems / 250));
  const random = seededRandom(opts.seed ?? 42);
  const perCategory = Math.ceil(nItems / nCategories);
  const cdf = Float64Array.from({ length: perCategory }, (_, r) => 1 / (r + 1));
  for (let r = 1; r < perCategory; r++) cdf[r]! += cdf[r - 1]!;
  const pickRank = (): number => {
    const x = random() * cdf[perCategory - 1]!;
    let lo = 0;
    let hi = perCategory - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const events = emptyEventLog(nEvents);
  const start = 1_700_000_000;
  for (let r = 0; r < nEvents; r++) {
    const user = Math.floor(random() * nUsers);
    const favourite = (user * 7 + (random() < 0.5 ? 0 : 13)) % nCategories;
    const category = random() < 0.8 ? favourite : Math.floor(random() * nCategories);
    const item = Math.min(nItems - 1, category * perCategory + pickRank());
    const day = Math.floor(random() * 90);
    const k = random();
    events.user[r] = user;
    events.item[r] = item;
    events.time[r] = start + day * DAY + Math.floor(random() * DAY);
    events.session[r] = user * 128 + day;
    events.kind[r] = k < 0.85 ? EventKind.view : k < 0.95 ? EventKind.cart : EventKind.purchase;
  }
  const catalog: CatalogView = {
    size: nItems,
    category: Int32Array.from({ length: nItems }, (_, i) => Math.floor(i / perCategory)),
    priceMinor: Float64Array.from({ length: nItems }, () => Math.round(500 + random() * 20_000)),
    inStock: Uint8Array.from({ length: nItems }, () => (random() < 0.95 ? 1 : 0)),
    repeatPurchase: Uint8Array.from({ length: nItems }, () => (random() < 0.1 ? 1 : 0)),
  };
  return { events, catalog, nUsers, nItems, now: start + 90 * DAY };
}
