import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throwaway Postgres cluster on its own port, so a fault run can stop and start "the database"
// without touching the machine's shared server. Run as the postgres user when we are root.
// stop() and start() run pg_ctl without blocking the caller's event loop: a test timing requests
// while it stops or starts the cluster would otherwise count pg_ctl's seconds against the API.

const binDir = (): string => {
  const base = '/usr/lib/postgresql';
  const version = readdirSync(base).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error(`no Postgres installation under ${base}: install postgresql to run the fault suite`);
  return join(base, version, 'bin');
};

export interface PostgresCluster {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): void;
}

const execFileAsync = promisify(execFile);

export function createPostgresCluster(port: number): PostgresCluster {
  const dir = mkdtempSync(join(tmpdir(), 'nb-faults-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir(), tool), ...args]] : [join(binDir(), tool), args];
  const runSync = (tool: string, args: string[]) => {
    const [cmd, argv] = command(tool, args);
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  const run = async (tool: string, args: string[]) => {
    const [cmd, argv] = command(tool, args);
    await execFileAsync(cmd, argv, { timeout: 60_000 });
  };
  const startArgs = ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start'];
  const stopArgs = ['-D', data, '-m', 'immediate', '-w', 'stop'];
  runSync('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  runSync('pg_ctl', startArgs);
  let running = true;
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await run('pg_ctl', startArgs);
      running = true;
    },
    async stop() {
      if (running) await run('pg_ctl', stopArgs);
      running = false;
    },
    destroy() {
      try {
        if (running) runSync('pg_ctl', stopArgs);
        running = false;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}
