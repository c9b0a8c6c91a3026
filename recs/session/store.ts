import { GrowableCsr } from '../csr/growable-csr.ts';
import { timeOrder } from '../event-log.ts';
import type { EventLog } from '../types.ts';

/**
 * Past sessions as click sequences plus, per item, the sessions that contain it (postings).
 * Sessions are numbered in the order they were first seen, time-ordered at training, so the tail
 * of a posting list holds the most recent sessions: session kNN samples neighbours from there.
 */
export class SessionStore {
  readonly clicks = new GrowableCsr(0, 1024);
  readonly postings = new GrowableCsr(0, 1024);
  lastTime = new Float64Array(1024);
  /** Distinct items per session (its length as a set). */
  distinct = new Int32Array(1024);
  private readonly indexOfSession = new Map<number, number>();

  get nSessions(): number {
    return this.clicks.nRows;
  }

  /** Adds events in time order; clicks of a known session extend it. */
  addEvents(events: EventLog): void {
    for (const r of timeOrder(events)) this.addClick(events.session[r]!, events.item[r]!, events.time[r]!);
  }

  addClick(sessionId: number, item: number, time: number): void {
    const s = this.sessionIndex(sessionId);
    if (item >= this.postings.nRows) this.postings.ensureRows(item + 1);
    if (!this.contains(s, item)) {
      this.postings.append(item, s, 0);
      this.distinct[s]!++;
    }
    this.clicks.append(s, item, 0);
    this.lastTime[s] = Math.max(this.lastTime[s]!, time);
  }

  /** Whether session s already holds item (sessions are short, so a scan is cheapest). */
  contains(s: number, item: number): boolean {
    const from = this.clicks.start[s]!;
    for (let e = from; e < from + this.clicks.len[s]!; e++) if (this.clicks.col[e] === item) return true;
    return false;
  }

  private sessionIndex(sessionId: number): number {
    const known = this.indexOfSession.get(sessionId);
    if (known !== undefined) return known;
    const s = this.clicks.nRows;
    this.clicks.ensureRows(s + 1);
    if (s >= this.lastTime.length) {
      this.lastTime = doubled(this.lastTime);
      this.distinct = doubled(this.distinct);
    }
    this.indexOfSession.set(sessionId, s);
    return s;
  }
}

function doubled<T extends Float64Array | Int32Array>(a: T): T {
  const next = new (a.constructor as new (n: number) => T)(a.length * 2);
  next.set(a);
  return next;
}
