import { IdIndex } from '../id-index.ts';
import { ItemKnnEngine } from '../itemknn/engine.ts';
import { asymmetricCosine, rp3beta } from '../itemknn/similarity.ts';
import { defaultProfileOptions } from '../profile.ts';
import { SessionKnnEngine } from '../session/engine.ts';
import type { RecommenderEngine } from '../types.ts';
import { NextItemMetrics } from './metrics.ts';
import { evaluateNextClick, readClickSessions, readPeerLists, sessionsToTrainingData } from './yoochoose.ts';

const PEERS = ['vsknn', 'ar', 'gru4rec', 'sr'];
const clicksOnly = { ...defaultProfileOptions, weighting: { ...defaultProfileOptions.weighting, halfLifeDays: Infinity } };

/** Candidate configurations per engine family; the validation split picks one of each. */
const candidates: Record<string, (() => RecommenderEngine)[]> = {
  'session-knn': [1, 2].flatMap((lambdaPosition) =>
    [100, 200].map((neighbors) => () => new SessionKnnEngine(`session-knn(λpos=${lambdaPosition},k=${neighbors})`, { lambdaPosition, neighbors })),
  ),
  'itemknn-cosine': [0, 10].map((shrink) => () => new ItemKnnEngine(`itemknn-cosine(shrink=${shrink})`, { similarity: asymmetricCosine(0.5, shrink), profile: clicksOnly, selfWeight: 1 })),
  'itemknn-asymcosine': [0.3, 0.7].map((alpha) => () => new ItemKnnEngine(`itemknn-asymcosine(α=${alpha})`, { similarity: asymmetricCosine(alpha, 10), profile: clicksOnly, selfWeight: 1 })),
  'itemknn-rp3beta': [[1, 0.5], [0.8, 0.3]].map(([a, b]) => () => new ItemKnnEngine(`itemknn-rp3beta(α=${a},β=${b})`, { similarity: rp3beta(a, b), profile: clicksOnly, selfWeight: 1 })),
};

/**
 * Next-click prediction on the session-rec split: choose each family's parameters on
 * train_tr → train_valid, retrain on train_full, score on the 387 peer (session, position) pairs
 * and on every test position; score the four peers' committed lists in the same run.
 */
export function runYoochooseEvaluation(dir: string): void {
  const items = new IdIndex<number>();
  const [tr, valid, full, test] = ['train_tr', 'train_valid', 'train_full', 'test'].map((part) => readClickSessions(dir, part, items)) as [
    ReturnType<typeof readClickSessions>, ReturnType<typeof readClickSessions>, ReturnType<typeof readClickSessions>, ReturnType<typeof readClickSessions>,
  ];
  const peerLists = PEERS.map((peer) => ({ peer, rows: readPeerLists(dir, peer, items) }));
  const pairs = peerLists[0]!.rows.map(({ session, position }) => ({ session, position }));
  const trainTr = sessionsToTrainingData(tr, items.size);
  const trainFull = sessionsToTrainingData(full, items.size);
  console.log(`yoochoose: ${trainFull.events.length} training clicks, ${test.length} test sessions, ${pairs.length} peer pairs`);
  const ours: { name: string; valid: NextItemMetrics; peer: NextItemMetrics; all: NextItemMetrics }[] = [];
  for (const [family, makers] of Object.entries(candidates)) {
    const tuned = makers.map((make) => {
      const engine = make();
      engine.train(trainTr);
      return { make, valid: evaluateNextClick(engine, valid) };
    });
    const best = tuned.sort((a, b) => b.valid.hitRate + b.valid.mrr - (a.valid.hitRate + a.valid.mrr))[0]!;
    const engine = best.make();
    engine.train(trainFull);
    ours.push({ name: engine.name, valid: best.valid, peer: evaluateNextClick(engine, test, pairs), all: evaluateNextClick(engine, test) });
    console.log(`  ${family}: picked ${engine.name} of ${makers.length} on validation`);
  }
  console.log('engine                              valid HR/MRR     387 pairs HR@20 MRR@20   whole test HR@20 MRR@20');
  for (const r of ours) console.log(`  ${r.name.padEnd(34)} ${fmt(r.valid)}    ${fmt(r.peer)}          ${fmt(r.all)}`);
  for (const { peer, rows } of peerLists) {
    const metrics = new NextItemMetrics(20);
    const byId = new Map(test.map((s) => [s.id, s]));
    for (const row of rows) metrics.record(row.list, byId.get(row.session)!.items[row.position + 1]!);
    console.log(`  peer ${peer.padEnd(29)} ${'-'.padEnd(13)}    ${fmt(metrics)}`);
  }
  const best = [...ours].sort((a, b) => b.valid.hitRate + b.valid.mrr - (a.valid.hitRate + a.valid.mrr))[0]!;
  console.log(`best engine on validation: ${best.name}`);
  console.log(`yoochoose HR@20=${best.peer.hitRate.toFixed(4)} MRR@20=${best.peer.mrr.toFixed(4)}`);
}

const fmt = (m: NextItemMetrics): string => `${m.hitRate.toFixed(4)} ${m.mrr.toFixed(4)}`;
