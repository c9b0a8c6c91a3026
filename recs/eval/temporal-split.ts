import { filterEvents } from '../event-log.ts';
import type { EventLog } from '../types.ts';

export interface TemporalSplit {
  train: EventLog;
  /** Held-out items per user: in the user's last events and not among their training items. */
  test: Map<number, Set<number>>;
}

/**
 * Per user, the last `share` of their events by time (at least one) are held out, for users
 * with at least `minEvents` events. Held-out items the user already had in training are removed:
 * recommending them again is excluded at scoring time, as in the baseline.
 */
export function temporalSplit(log: EventLog, share = 0.2, minEvents = 3): TemporalSplit {
  const rowsOf = new Map<number, number[]>();
  for (let r = 0; r < log.length; r++) {
    const list = rowsOf.get(log.user[r]!) ?? [];
    list.push(r);
    rowsOf.set(log.user[r]!, list);
  }
  const heldOut = new Uint8Array(log.length);
  for (const rows of rowsOf.values()) {
    if (rows.length < minEvents) continue;
    rows.sort((a, b) => log.time[a]! - log.time[b]! || a - b);
    const n = Math.max(1, Math.floor(rows.length * share));
    for (const r of rows.slice(rows.length - n)) heldOut[r] = 1;
  }
  const train = filterEvents(log, (r) => heldOut[r] === 0);
  const seen = new Set<string>();
  for (let r = 0; r < train.length; r++) seen.add(`${train.user[r]},${train.item[r]}`);
  const test = new Map<number, Set<number>>();
  for (let r = 0; r < log.length; r++) {
    if (!heldOut[r] || seen.has(`${log.user[r]},${log.item[r]}`)) continue;
    const items = test.get(log.user[r]!) ?? new Set<number>();
    items.add(log.item[r]!);
    test.set(log.user[r]!, items);
  }
  return { train, test };
}
