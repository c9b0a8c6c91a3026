#!/usr/bin/env node
// The npm registry reachable from our build machines does not serve @swc/core's binaries for other
// platforms (darwin, win32, arm/ppc64/s390x Linux), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lock as out of sync. This adds lock entries for
// them marked optional with their os/cpu, exactly as npm writes them when the registry has them:
// `npm ci` skips them on this platform without fetching. Run it after changing dependencies.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const platform = { darwin: ['darwin'], win32: ['win32'], linux: ['linux'] };
const cpuOf = (name) =>
  name.includes('arm64') ? 'arm64' : name.includes('ia32') ? 'ia32' : name.includes('x64') ? 'x64' : name.includes('arm-') ? 'arm' :
  name.includes('ppc64') ? 'ppc64' : name.includes('s390x') ? 's390x' : null;
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies || !path.endsWith('@swc/core')) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const os = Object.keys(platform).find((p) => name.includes(`-${p}-`));
    const cpu = cpuOf(name.slice(name.indexOf('-', name.indexOf('core-') + 5)));
    if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}`);
    lock.packages[key] = { version, cpu: [cpu], license: entry.license, optional: true, os: [os], engines: { node: '>=10' } };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-optional-platforms: added ${added} entries`);
