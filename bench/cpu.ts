import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

// CPU metering for benches on this machine: this process, given child processes (the Temporal dev
// server) and the Postgres backends serving a database, read from /proc (Linux, Postgres on this host).

/** A process's user + system CPU in milliseconds, or null when it is gone or not readable. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 10 ms (USER_HZ 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export interface CpuUse {
  /** This process. */
  self: number;
  /** Each metered child process, by label. */
  children: Record<string, number | null>;
  /** The Postgres backends of the database (null: not on this machine, or PGlite in this process). */
  postgres: number | null;
  /** The same by the backends' application_name (the client's PGAPPNAME), for backends alive at both ends. */
  postgresBy: Record<string, number>;
}

/** Starts metering; the returned function stops and gives the CPU used meanwhile, in milliseconds. */
export async function cpuMeter(options: { children?: Record<string, number | undefined>; database?: Database }): Promise<() => Promise<CpuUse>> {
  const { database } = options;
  const names = new Map<number, string>();
  const backends = async (): Promise<Map<number, number | null>> => {
    if (database?.driver !== 'postgres') return new Map();
    const rows = await database.rows<{ pid: number; app: string }>(sql`select pid, application_name as app from pg_stat_activity where datname = current_database()`);
    for (const r of rows) names.set(r.pid, r.app || '(unnamed)');
    return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)] as const));
  };
  const children = Object.entries(options.children ?? {});
  const childBefore = children.map(([, pid]) => (pid === undefined ? null : processCpuMs(pid)));
  const pgBefore = await backends();
  const cpu0 = process.cpuUsage();
  return async () => {
    const cpu = process.cpuUsage(cpu0);
    const pgAfter = await backends();
    let postgres: number | null = database?.driver === 'postgres' ? 0 : null;
    const postgresBy: Record<string, number> = {};
    for (const [pid, now] of pgAfter) {
      if (now === null || postgres === null) {
        postgres = null;
        break;
      }
      const used = now - (pgBefore.get(pid) ?? 0);
      postgres += used;
      const name = names.get(pid) ?? '(unnamed)';
      postgresBy[name] = (postgresBy[name] ?? 0) + used;
    }
    return {
      self: (cpu.user + cpu.system) / 1000,
      children: Object.fromEntries(children.map(([label, pid], i) => {
        const now = pid === undefined ? null : processCpuMs(pid);
        const before = childBefore[i];
        return [label, now === null || before === null || before === undefined ? null : now - before];
      })),
      postgres,
      postgresBy,
    };
  };
}
