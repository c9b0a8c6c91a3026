import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is an in-process database: two processes opening the same folder would corrupt it. The
 * first process to open it writes its pid here; another one gets an error that says what to do.
 */
export function lockPgliteDir(dataDir: string): () => void {
  const file = join(dataDir, '.nextbest.lock');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by another nextbest process (pid ${pid}). ` +
          'Stop it first (Ctrl-C in its terminal), or run both against Postgres by setting DATABASE_URL.',
      );
    }
  }
  writeFileSync(file, String(process.pid));
  return () => {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
