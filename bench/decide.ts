// npm run bench:decide — the decide activity on real Postgres: latency of single decisions for
// customers with a realistic history, and throughput of a 100,000-customer campaign batch.
// Needs a Postgres server: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); a fresh
// database is created for the run and dropped afterwards.
import { parseArgs } from 'node:util';
import { createDecide } from '../activities/decide.ts';
import { consents, contacts, customers, shops } from '../db/schema.ts';
import { customerModelStates } from '../db/schema-models.ts';
import { decideBatch } from '../learning/decide-batch.ts';
import { createLogger } from '../lib/logger.ts';
import { createMetrics } from '../lib/metrics.ts';
import { PiiCipher } from '../lib/pii.ts';
import { Rng } from '../models/core/rng.ts';
import { newCustomerModelState } from '../models/state.ts';
import { createTestDatabase } from '../test/db.ts';
import { products } from '../db/schema.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '100000' }, single: { type: 'string', default: '2000' } } });
const N = Number(values.customers);
const SINGLE = Number(values.single);
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'Europe/London'];
const CHANNELS = ['email', 'sms', 'whatsapp'] as const;
const now = '2026-06-10T06:00:00.000Z';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const database = await createTestDatabase('postgres');
const { db } = database;
try {
  const cipher = new PiiCipher('ab'.repeat(32));
  const rng = new Rng('bench-decide');
  const shopId = 'bench-shop';
  await db.insert(shops).values({ id: shopId, name: 'Bench', currency: 'EUR', settings: { marginRate: 0.4 } });
  await db.insert(products).values({ shopId, id: 'p1', title: 'Kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR', stock: 100 });
  const ids: string[] = [];
  const seedStart = performance.now();
  for (let start = 0; start < N; start += 2000) {
    const batch = Array.from({ length: Math.min(2000, N - start) }, (_, i) => `cus_bench_${String(start + i).padStart(7, '0')}`);
    ids.push(...batch);
    await db.insert(customers).values(batch.map((id) => ({ id, shopId, timezone: ZONES[Math.floor(rng.next() * ZONES.length)]! })));
    await db.insert(contacts).values(batch.map((id, i) => ({ customerId: id, shopId, emailEnc: cipher.encrypt(`c${start + i}@example.com`), phoneEnc: i % 3 === 0 ? cipher.encrypt(`+4915100${start + i}`) : null })));
    await db.insert(consents).values(batch.flatMap((id, i) => [
      { shopId, customerId: id, channel: 'email', granted: true, source: 'bench' },
      ...(i % 3 === 0 ? [{ shopId, customerId: id, channel: 'sms', granted: rng.next() < 0.7, source: 'bench' }] : []),
    ]));
    // A realistic history: a few months of sends and engagements per channel, engagement hours.
    await db.insert(customerModelStates).values(batch.map((id) => {
      const state = newCustomerModelState('UTC', now);
      for (const channel of CHANNELS) {
        const sends = Math.floor(rng.next() * 30);
        const engaged = Math.floor(sends * rng.next() * 0.3);
        state.channels[channel] = { successes: engaged, failures: sends - engaged, asOf: now };
        if (engaged) state.sendTime[channel] = { hours: { [String(Math.floor(rng.next() * 168))]: engaged }, asOf: now };
      }
      return { customerId: id, shopId, state };
    }));
  }
  console.log(`seeded ${N} customers in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const deps = { database, logger: createLogger('silent'), metrics: createMetrics(), cipher, outboxDir: '/tmp', timeScale: 1 };
  const decide = createDecide(deps);
  const latencies: number[] = [];
  const cpuSingle = process.cpuUsage();
  for (let i = 0; i < SINGLE; i++) {
    const customerId = ids[Math.floor(rng.next() * ids.length)]!;
    const t = performance.now();
    await decide({ shopId, customerId, workflowId: `cart-abandon:${shopId}:${customerId}:b${i}`, journey: 'cart-abandon', step: 1,
      contentType: 'cart_reminder', productIds: ['p1'], earliest: now, latest: '2026-06-11T06:00:00.000Z' });
    latencies.push(performance.now() - t);
  }
  const singleCpuMs = cpuMs(process.cpuUsage(cpuSingle)) / SINGLE;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(`single decide (${SINGLE} calls, realistic history): p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms; this process's CPU ${singleCpuMs.toFixed(2)} ms per decision`);

  const t0 = performance.now();
  const cpuBatch = process.cpuUsage();
  const decided = await decideBatch(database, { shopId, journey: 'clearance', step: 1, contentType: 'clearance', productIds: ['p1'], earliest: now,
    latest: '2026-06-12T06:00:00.000Z', customerIds: ids, workflowIdFor: (c) => `clearance:${shopId}:${c}:bench`, timeScale: 1, basketValueMinor: 5900 });
  const seconds = (performance.now() - t0) / 1000;
  const batchCpuS = cpuMs(process.cpuUsage(cpuBatch)) / 1000;
  const sends = [...decided.values()].filter((d) => d.action === 'send').length;
  console.log(`campaign batch: ${decided.size} decisions (${sends} sends) in ${seconds.toFixed(1)} s = ${Math.round(decided.size / seconds)} decisions/s (this process's CPU ${batchCpuS.toFixed(1)} s = ${Math.round(decided.size / batchCpuS)} decisions per CPU-second)`);
  console.log(`load average during the run: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
  console.log(`decide p99_ms=${q(0.99).toFixed(2)} batch_per_s=${Math.round(decided.size / seconds)}`);
} finally {
  await database.close();
}
