import type { EventKind, EventLog } from './types.ts';

export interface EventRow {
  user: number;
  item: number;
  time: number;
  kind: EventKind;
  /** Defaults to the user: without session ids a customer's whole history is one session. */
  session?: number;
}

/** Builds the columnar log from row objects (fixtures, small batches from the database). */
export function eventLogFrom(rows: readonly EventRow[]): EventLog {
  const log = emptyEventLog(rows.length);
  rows.forEach((row, r) => {
    log.user[r] = row.user;
    log.item[r] = row.item;
    log.session[r] = row.session ?? row.user;
    log.time[r] = row.time;
    log.kind[r] = row.kind;
  });
  return log;
}

export function emptyEventLog(length: number): EventLog & { user: Int32Array } {
  return {
    length,
    user: new Int32Array(length),
    item: new Int32Array(length),
    session: new Int32Array(length),
    time: new Float64Array(length),
    kind: new Uint8Array(length),
  };
}

/** The events whose row index passes `keep`, in their original order. */
export function filterEvents(log: EventLog, keep: (row: number) => boolean): EventLog {
  const rows: number[] = [];
  for (let r = 0; r < log.length; r++) if (keep(r)) rows.push(r);
  const out = emptyEventLog(rows.length);
  rows.forEach((r, o) => {
    out.user[o] = log.user[r]!;
    out.item[o] = log.item[r]!;
    out.session[o] = log.session[r]!;
    out.time[o] = log.time[r]!;
    out.kind[o] = log.kind[r]!;
  });
  return out;
}

/**
 * Row indices ordered by time (stable), for engines that need event order. When whole seconds
 * and the row number fit one float exactly, a native numeric sort of packed keys replaces the
 * comparator sort (seconds instead of tens of seconds at 10M events); sub-second order within
 * the same second then falls back to row order.
 */
export function timeOrder(log: EventLog): Int32Array {
  const n = log.length;
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < n; r++) {
    min = Math.min(min, log.time[r]!);
    max = Math.max(max, log.time[r]!);
  }
  const rowSpace = 2 ** Math.ceil(Math.log2(n + 1));
  if (n === 0 || (Math.floor(max - min) + 1) * rowSpace > Number.MAX_SAFE_INTEGER) {
    const order = Int32Array.from({ length: n }, (_, r) => r);
    return order.sort((a, b) => log.time[a]! - log.time[b]! || a - b);
  }
  const keys = new Float64Array(n);
  for (let r = 0; r < n; r++) keys[r] = Math.floor(log.time[r]! - min) * rowSpace + r;
  keys.sort();
  return Int32Array.from(keys, (k) => k % rowSpace);
}
