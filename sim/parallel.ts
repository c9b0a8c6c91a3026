// Spreads seeds over worker threads (each seed is independent); results come back in seed order.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExperimentOptions, SeedResult } from './experiment.ts';
import type { Scenario } from './scenario.ts';

export async function runSeeds(scenario: Scenario, seeds: readonly number[], options: ExperimentOptions, threads = availableParallelism(), onDone?: (r: SeedResult) => void): Promise<SeedResult[]> {
  const queue = [...seeds];
  const results = new Map<number, SeedResult>();
  // Worker threads do not inherit tsx's loader: a tiny ES module registers it, then loads the TypeScript worker.
  const target = new URL('./seed-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(target)});`)}`);
  const workers = Array.from({ length: Math.max(1, Math.min(threads, seeds.length)) }, () => new Worker(boot));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const next = () => {
            const seed = queue.shift();
            if (seed === undefined) return resolve();
            w.postMessage({ scenario, seed, options });
          };
          w.on('message', (r: SeedResult) => {
            results.set(r.seed, r);
            onDone?.(r);
            next();
          });
          w.on('error', reject);
          next();
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  return seeds.map((s) => results.get(s)!);
}
