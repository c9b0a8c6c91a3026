import { join } from 'node:path';
import { emptyEventLog } from '../event-log.ts';
import type { IdIndex } from '../id-index.ts';
import { EventKind, type RecommenderEngine, type TrainingData } from '../types.ts';
import { NextItemMetrics } from './metrics.ts';
import { readTable } from './read-table.ts';

/** A test session's clicks in time order (item indices) with their times. */
export interface ClickSession {
  id: number;
  items: number[];
  times: number[];
}

const fileOf = (dir: string, part: string): string => join(dir, `yoochoose-clicks-100k_${part}.txt`);

/** Reads one click file into sessions sorted by time, interning item ids. */
export function readClickSessions(dir: string, part: string, items: IdIndex<number>): ClickSession[] {
  const byId = new Map<number, { item: number; time: number }[]>();
  for (const [s, i, t] of readTable(fileOf(dir, part), 0)) {
    const clicks = byId.get(Number(s)) ?? [];
    clicks.push({ item: items.intern(Number(i)), time: Number(t) });
    byId.set(Number(s), clicks);
  }
  return [...byId.entries()].map(([id, clicks]) => {
    clicks.sort((a, b) => a.time - b.time);
    return { id, items: clicks.map((c) => c.item), times: clicks.map((c) => c.time) };
  });
}

/** Training data with one user per session and every click a view. */
export function sessionsToTrainingData(sessions: readonly ClickSession[], nItems: number): TrainingData {
  const log = emptyEventLog(sessions.reduce((n, s) => n + s.items.length, 0));
  let r = 0;
  let now = 0;
  sessions.forEach((s, u) => {
    s.items.forEach((item, p) => {
      log.user[r] = u;
      log.session[r] = u;
      log.item[r] = item;
      log.time[r] = s.times[p]!;
      log.kind[r++] = EventKind.view;
      now = Math.max(now, s.times[p]!);
    });
  });
  return { events: log, nUsers: sessions.length, nItems, now };
}

/** Scores next-click prediction at the given (session, position) pairs, or every position. */
export function evaluateNextClick(
  engine: RecommenderEngine,
  sessions: readonly ClickSession[],
  pairs?: readonly { session: number; position: number }[],
  cutoff = 20,
): NextItemMetrics {
  const metrics = new NextItemMetrics(cutoff);
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const cases = pairs ?? sessions.flatMap((s) => s.items.slice(1).map((_, p) => ({ session: s.id, position: p })));
  for (const { session, position } of cases) {
    const s = byId.get(session);
    const target = s?.items[position + 1];
    if (!s || target === undefined) throw new Error(`no next click for session ${session} position ${position}`);
    const list = engine.recommend({ history: [], session: s.items.slice(0, position + 1), k: cutoff, now: s.times[position]! });
    metrics.record(
      list.map((x) => x.item),
      target,
    );
  }
  return metrics;
}

/** The peer algorithms' committed lists: (session, position) → recommended item ids. */
export function readPeerLists(dir: string, peer: string, items: IdIndex<number>): { session: number; position: number; list: number[] }[] {
  return readTable(join(dir, 'recommendations', `recoms_rsc15_100k_${peer}.csv`), 0).map(([s, p, recs]) => ({
    session: Number(s),
    position: Number(p),
    list: (recs ?? '').split(',').map((id) => items.indexOf(Number(id))),
  }));
}
