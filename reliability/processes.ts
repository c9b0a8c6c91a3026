import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

// The app's own entry points (npm run api / worker) as real child processes, so a fault run can
// SIGKILL them the way an OOM killer or a lost machine would.

const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export class AppProcess {
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  starts = 0;
  kills = 0;
  /** Set while this process is deliberately down (between a kill and its restart, or stopping). */
  killing = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.killing = false;
    if (this.running) return;
    this.starts++;
    const child = spawn(TSX, [join(ROOT, this.entry)], { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
  }

  /** SIGKILL: no drain, no cleanup; whatever the process was doing is cut off. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.killing = true;
    await this.signal('SIGKILL');
  }

  /** SIGTERM and wait (SIGKILL after the grace period). */
  async stop(graceMs = 15_000): Promise<void> {
    this.killing = true;
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child!;
    // tsx runs the script in a node child of its own: tsx forwards SIGTERM to it, while SIGKILL
    // cannot be forwarded, so it is sent to tsx and its descendants alike.
    return new Promise((done) => {
      child.once('exit', () => done());
      if (signal === 'SIGKILL') killTree(child.pid!);
      else child.kill(signal);
    });
  }

  close(): void {
    this.log.end();
  }
}

/** SIGKILL a process and its descendants (tsx keeps the app in a child process). */
function killTree(pid: number): void {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function childrenOf(pid: number): number[] {
  try {
    // /proc/<pid>/task/<tid>/children lists direct children (Linux).
    return readdirSync(`/proc/${pid}/task`).flatMap((tid: string) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}
