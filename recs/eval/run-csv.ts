import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyEventLog } from '../event-log.ts';
import { IdIndex } from '../id-index.ts';
import { createEngine, type EngineName } from '../registry.ts';
import { EventKind, type EventLog, type ItemEvent } from '../types.ts';
import { defaultWeighting, kindWeight } from '../weights.ts';
import { ndcgAt, recallAt } from './metrics.ts';
import { readTable } from './read-table.ts';
import { temporalSplit } from './temporal-split.ts';

const K = 20;
const ENGINES: EngineName[] = ['popular', 'itemknn-cosine', 'itemknn-asymcosine', 'itemknn-rp3beta', 'session-knn', 'als'];

/** Reads `user,item,timestamp[,kind]` (kind: view|cart|purchase or 0/1/2; default view). */
export function readInteractionCsv(path: string): { log: EventLog; nUsers: number; nItems: number } {
  const users = new IdIndex<string>();
  const items = new IdIndex<string>();
  const rows = readTable(path, 2);
  const log = emptyEventLog(rows.length);
  rows.forEach(([user, item, time, kind], r) => {
    log.user[r] = users.intern(user ?? '');
    log.item[r] = items.intern(item ?? '');
    log.session[r] = log.user[r]!;
    log.time[r] = Number(time);
    log.kind[r] = kind === undefined ? EventKind.view : (EventKind[kind as keyof typeof EventKind] ?? Number(kind));
  });
  return { log, nUsers: users.size, nItems: items.size };
}

/** Temporal user split: our engines and implicit's ALS on the same split, same metrics. */
export function runCsvEvaluation(path: string): void {
  const { log, nUsers, nItems } = readInteractionCsv(path);
  const { train, test } = temporalSplit(log);
  const now = train.time.reduce((a, b) => Math.max(a, b), 0);
  const histories = historiesOf(train);
  console.log(`csv: ${log.length} events, ${nUsers} users, ${nItems} items; ${test.size} test users, ${train.length} training events`);
  const results: { name: string; recall: number; ndcg: number; coverage: number }[] = [];
  for (const name of ENGINES) {
    const started = performance.now();
    const engine = createEngine(name);
    engine.train({ events: train, nUsers, nItems, now });
    let recall = 0;
    let ndcg = 0;
    const shown = new Set<number>();
    for (const [user, relevant] of test) {
      const history = histories.get(user) ?? [];
      const owned = new Set(history.map((e) => e.item));
      const at = history.at(-1)?.time ?? now;
      const list = engine.recommend({ history, session: [], k: K + owned.size, now: at }).map((s) => s.item).filter((i) => !owned.has(i)).slice(0, K);
      list.forEach((i) => shown.add(i));
      recall += recallAt(list, relevant, K);
      ndcg += ndcgAt(list, relevant, K);
    }
    results.push({ name, recall: recall / test.size, ndcg: ndcg / test.size, coverage: shown.size / nItems });
    const r = results.at(-1)!;
    console.log(`  ${name.padEnd(20)} Recall@20=${r.recall.toFixed(4)} NDCG@20=${r.ndcg.toFixed(4)} coverage=${r.coverage.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const baseline = runImplicitBaseline(train, test);
  console.log(`  implicit ALS (best of its grid: factors=${baseline.factors}, alpha=${baseline.alpha}) Recall@20=${baseline.recall20.toFixed(4)} NDCG@20=${baseline.ndcg20.toFixed(4)}`);
  const best = results.filter((r) => r.name !== 'popular').sort((a, b) => b.ndcg - a.ndcg)[0]!;
  console.log(`best engine: ${best.name}; popularity baseline NDCG@20=${results[0]!.ndcg.toFixed(4)}`);
  console.log(`csv Recall@20=${best.recall.toFixed(4)} NDCG@20=${best.ndcg.toFixed(4)} implicit_NDCG@20=${baseline.ndcg20.toFixed(4)}`);
}

function historiesOf(log: EventLog): Map<number, ItemEvent[]> {
  const out = new Map<number, ItemEvent[]>();
  for (let r = 0; r < log.length; r++) {
    const list = out.get(log.user[r]!) ?? [];
    list.push({ item: log.item[r]!, time: log.time[r]!, kind: log.kind[r] as EventKind });
    out.set(log.user[r]!, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.time - b.time);
  return out;
}

interface BaselineResult { factors: number; alpha: number; recall20: number; ndcg20: number }

/** Writes the split to a temp dir and runs scripts/baselines/implicit_als.py on it. */
function runImplicitBaseline(train: EventLog, test: Map<number, Set<number>>): BaselineResult {
  const dir = mkdtempSync(join(tmpdir(), 'recs-split-'));
  const summed = new Map<string, number>();
  for (let r = 0; r < train.length; r++) {
    const key = `${train.user[r]},${train.item[r]}`;
    summed.set(key, (summed.get(key) ?? 0) + kindWeight(defaultWeighting, train.kind[r]!));
  }
  writeFileSync(join(dir, 'train.csv'), ['user,item,weight', ...[...summed].map(([k, w]) => `${k},${w}`)].join('\n'));
  writeFileSync(join(dir, 'test.csv'), ['user,item', ...[...test].flatMap(([u, items]) => [...items].map((i) => `${u},${i}`))].join('\n'));
  const run = spawnSync('python3', [join(import.meta.dirname, '../../scripts/baselines/implicit_als.py'), dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`implicit baseline failed (is it installed? pip install implicit):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as BaselineResult;
}
