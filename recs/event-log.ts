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

/** Row indices ordered by time (stable), for engines that need event order. */
export function timeOrder(log: EventLog): Int32Array {
  const order = Int32Array.from({ length: log.length }, (_, r) => r);
  const time = log.time;
  return order.sort((a, b) => time[a]! - time[b]! || a - b);
}
