import { join } from 'node:path';
import { BoughtTogetherEngine } from '../basket/engine.ts';
import { emptyEventLog, filterEvents } from '../event-log.ts';
import { IdIndex } from '../id-index.ts';
import { PopularityEngine } from '../popularity/engine.ts';
import { EventKind, type RecommenderEngine } from '../types.ts';
import { NextItemMetrics } from './metrics.ts';
import { readTable } from './read-table.ts';

/**
 * Bought-together on the bakery baskets: rules learnt on the first 80% of transactions (by
 * time), printed with support/confidence/lift, then "hide one item of each later basket and
 * predict it from the rest", against best sellers.
 */
export function runBreadEvaluation(dir: string): void {
  const items = new IdIndex<string>();
  const rows = readTable(join(dir, 'BreadBasket_DMS.csv')).filter(([, , , item]) => item !== 'NONE');
  const log = emptyEventLog(rows.length);
  rows.forEach(([date, time, basket, item], r) => {
    log.user[r] = log.session[r] = Number(basket);
    log.item[r] = items.intern(item ?? '');
    log.time[r] = Date.parse(`${date}T${time}Z`) / 1000;
    log.kind[r] = EventKind.purchase;
  });
  const cut = [...log.time].sort((a, b) => a - b)[Math.floor(log.length * 0.8)]!;
  const train = filterEvents(log, (r) => log.time[r]! < cut);
  const test = filterEvents(log, (r) => log.time[r]! >= cut);
  const data = { events: train, nUsers: 0, nItems: items.size, now: cut };
  const rules = new BoughtTogetherEngine('bought-together', { minSupport: 10, rankBy: 'confidence', minLift: 0 });
  const popular = new PopularityEngine('popular', { view: 1, cart: 1, purchase: 1, halfLifeDays: Infinity });
  rules.train(data);
  popular.train(data);
  const all = items.ids.flatMap((_, i) => rules.rulesFor(i).map((r) => ({ i, j: r.item, ...rules.describe(i, r.item) })));
  console.log(`bread: ${rows.length} item rows, ${items.size} items; ${all.length} rules (support ≥ 10 baskets)`);
  console.log('top rules by lift:       antecedent → consequent    support confidence lift');
  for (const r of all.sort((a, b) => b.lift - a.lift).slice(0, 10)) {
    console.log(`  ${items.idAt(r.i).padEnd(22)} → ${items.idAt(r.j).padEnd(22)} ${r.support.toFixed(4)} ${r.confidence.toFixed(3)} ${r.lift.toFixed(2)}`);
  }
  const [hr, pop] = [rules, popular].map((engine) => hideOneItem(engine, test, cut, 5));
  console.log(`held-out baskets (last 20%): hide one item, predict from the rest: bought-together HR@5=${hr!.hitRate.toFixed(4)} MRR@5=${hr!.mrr.toFixed(4)}, best sellers HR@5=${pop!.hitRate.toFixed(4)} MRR@5=${pop!.mrr.toFixed(4)} over ${hr!.cases} cases`);
  console.log(`bread HR@5=${hr!.hitRate.toFixed(4)} popular_HR@5=${pop!.hitRate.toFixed(4)}`);
}

function hideOneItem(engine: RecommenderEngine, test: ReturnType<typeof filterEvents>, now: number, k: number): NextItemMetrics {
  const baskets = new Map<number, Set<number>>();
  for (let r = 0; r < test.length; r++) baskets.set(test.session[r]!, (baskets.get(test.session[r]!) ?? new Set()).add(test.item[r]!));
  const metrics = new NextItemMetrics(k);
  for (const basket of baskets.values()) {
    if (basket.size < 2) continue;
    for (const target of basket) {
      const rest = [...basket].filter((i) => i !== target);
      const history = rest.map((item) => ({ item, time: now, kind: EventKind.purchase }));
      const list = engine.recommend({ history, session: [], k: k + rest.length, now }).map((s) => s.item).filter((i) => !rest.includes(i));
      metrics.record(list, target);
    }
  }
  return metrics;
}
