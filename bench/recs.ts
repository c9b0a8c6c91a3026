// Recommender benchmark: generated shop (50k products, 1M customers, 10M events at --scale 1),
// full training time and peak memory, incremental update latency, and per-customer top-20
// serving latency through recommendFor with business rules on. Last line is machine-readable.
//   npm run bench:recs            (full size)
//   npm run bench:recs -- --scale 0.1
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { emptyEventLog } from '../recs/event-log.ts';
import { recommendFor, type CustomerEvent } from '../recs/facade.ts';
import { IdIndex } from '../recs/id-index.ts';
import { seededRandom } from '../recs/random.ts';
import { syntheticShop } from '../recs/synthetic.ts';
import { trainEngines, updateEngines } from '../recs/train.ts';
import { EventKind } from '../recs/types.ts';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, requests: { type: 'string', default: '20000' } } });
const scale = Number(values.scale);
const seconds = (from: number): number => (performance.now() - from) / 1000;
const rssMb = (): number => process.resourceUsage().maxRSS / 1024;
// CPU time next to wall time: on a shared 2-core machine other processes stretch wall time.
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

let t = performance.now();
const shop = syntheticShop({ nItems: Math.round(50_000 * scale), nUsers: Math.round(1_000_000 * scale), nEvents: Math.round(10_000_000 * scale) });
console.log(`generated ${shop.nItems} products, ${shop.nUsers} customers, ${shop.events.length} events in ${seconds(t).toFixed(1)} s (peak rss ${rssMb().toFixed(0)} MB)`);

t = performance.now();
const trainCpu = process.cpuUsage();
const engines = trainEngines(shop);
const trainS = seconds(t);
const trainCpuS = cpuMs(trainCpu) / 1000;
const peakMb = rssMb();
console.log(`trained ${[...engines.keys()].join(', ')} in ${trainS.toFixed(1)} s wall, ${trainCpuS.toFixed(1)} s CPU, peak rss ${peakMb.toFixed(0)} MB`);

// Customer histories as the database would hand them over: product ids, kinds, times.
const products = new IdIndex<string>();
for (let i = 0; i < shop.nItems; i++) products.intern(`p${i}`);
const kinds = ['view', 'cart', 'purchase'] as const;
const history = new Map<number, CustomerEvent[]>();
const random = seededRandom(9);
const customers = Array.from({ length: Number(values.requests) }, () => Math.floor(random() * shop.nUsers));
for (const c of customers) history.set(c, []);
for (let r = 0; r < shop.events.length; r++) {
  history.get(shop.events.user[r]!)?.push({ productId: `p${shop.events.item[r]}`, at: shop.events.time[r]!, kind: kinds[shop.events.kind[r]!]! });
}
for (const list of history.values()) list.sort((a, b) => a.at - b.at);

const engine = engines.get('itemknn-rp3beta')!;
const fallback = engines.get('trending')!;
const rules = { notBoughtWithinDays: 30, categoryRepeatPenalty: 0.7 };
const serve = (c: number): number => {
  const customerHistory = history.get(c)!;
  const sessionProductIds = customerHistory.slice(-3).map((e) => e.productId);
  const started = performance.now();
  const cpu = process.cpuUsage();
  recommendFor({ engine, fallback, products, catalog: shop.catalog, customerHistory, sessionProductIds, rules, k: 20, now: shop.now });
  cpuLatencies.push(cpuMs(cpu));
  return performance.now() - started;
};
const cpuLatencies: number[] = [];
customers.slice(0, 2000).forEach(serve); // JIT warm-up, not measured
cpuLatencies.length = 0;
const latencies = customers.map(serve);
cpuLatencies.sort((a, b) => a - b);
latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
const cpuP99 = cpuLatencies[Math.floor(0.99 * cpuLatencies.length)]!;
console.log(`serving top-20 with rules over ${latencies.length} customers: wall p50 ${pct(0.5).toFixed(3)} ms, p99 ${pct(0.99).toFixed(3)} ms; CPU p99 ${cpuP99.toFixed(3)} ms`);

// Incremental update: 1,000 fresh events, the last two a new product bought after a popular one.
const batch = emptyEventLog(1000);
for (let r = 0; r < batch.length; r++) {
  batch.user[r] = shop.nUsers + (r >> 1);
  batch.session[r] = -1 - (r >> 1);
  batch.item[r] = r % 2 === 0 ? 0 : shop.nItems;
  batch.time[r] = shop.now + r;
  batch.kind[r] = EventKind.purchase;
}
products.intern(`p${shop.nItems}`);
t = performance.now();
updateEngines(engines, batch);
const visible = engine.recommend({ history: [{ item: 0, time: shop.now, kind: EventKind.purchase }], session: [], k: 20, now: shop.now }).some((s) => s.item === shop.nItems);
const updateS = seconds(t);
console.log(`update of ${batch.length} events into ${engines.size} engines and a recommend call: ${updateS.toFixed(3)} s; new product visible: ${visible}`);
if (!visible) throw new Error('incremental update not visible to serving');
console.log(`machine load average while running: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`recs train_s=${trainS.toFixed(1)} peak_mb=${peakMb.toFixed(0)} serve_p99_ms=${pct(0.99).toFixed(3)} update_s=${updateS.toFixed(3)}`);
