#!/usr/bin/env node
// postgres.js 3.4.9 crashes the whole process when a connection closes while a transaction has a
// query in flight (Postgres stopped, restarted, failed over): the failed query makes sql.begin()
// send its own ROLLBACK on the closed connection, the write is deferred with setImmediate, and by
// then `socket` is null, so `socket.write` throws a TypeError outside any promise (upstream issues
// porsager/postgres#1066, #1154, #1208; fixes proposed in #1168, #1209, not released). Catching
// that TypeError would not be enough: the connection keeps a stale write buffer and timer and never
// comes back (every reconnect then ends in CONNECT_TIMEOUT).
//
// This applies the fix to the installed copy (ESM and CJS builds), as npm's postinstall and on
// demand (`node scripts/patch-postgres.mjs`; `--check` only verifies):
//   1. a query executed on a connection without a socket is rejected with CONNECTION_CLOSED
//      instead of being buffered for a socket that is gone;
//   2. closed() drops the pending write buffer and timer with the socket, so the next socket starts
//      clean (its startup message is written);
//   3. a deferred write that finds no socket settles its queries with CONNECTION_CLOSED.
// db/client.ts refuses to open a Postgres connection with an unpatched copy. If an upgrade changes
// the code, this fails naming the file: check whether the new version fixed it, then drop or adapt.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MARKER = '/* nextbest: null-socket fix (porsager/postgres#1208) */';

const PATCHES = [
  {
    what: 'execute() without a socket',
    from: `  function execute(q) {
    if (terminated)
      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))
`,
    to: `  function execute(q) {
    if (terminated)
      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))

    if (!socket) ${MARKER}
      return queryError(q, Errors.connection('CONNECTION_CLOSED', options))
`,
  },
  {
    what: 'nextWrite() after the socket closed',
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)
`,
    to: `  function nextWrite(fn) {
    if (!socket) {
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)
`,
  },
  {
    what: 'closed() leaves no stale write behind',
    from: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)
`,
    to: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null
`,
  },
];

// The package's ESM entry is <root>/src/index.js (its exports do not include package.json).
const root = dirname(dirname(fileURLToPath(import.meta.resolve('postgres'))));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const files = [join(root, 'src', 'connection.js'), join(root, 'cjs', 'src', 'connection.js')];

/** Patches (or with check=true only inspects) the installed postgres.js; returns the files changed. */
export function patchPostgres({ check = false } = {}) {
  const changed = [];
  for (const file of files) {
    let text = readFileSync(file, 'utf8');
    if (text.includes(MARKER)) continue;
    if (check) throw new Error(`${file} (postgres ${version}) lacks the null-socket fix: run node scripts/patch-postgres.mjs`);
    for (const p of PATCHES) {
      if (!text.includes(p.from)) {
        throw new Error(`${file} (postgres ${version}): the code for "${p.what}" is not as expected; `
          + 'check whether this version fixed porsager/postgres#1208, then adapt or remove scripts/patch-postgres.mjs');
      }
      text = text.replace(p.from, p.to);
    }
    writeFileSync(file, text);
    changed.push(file);
  }
  return changed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const check = process.argv.includes('--check');
    const changed = patchPostgres({ check });
    console.log(check ? `postgres ${version}: null-socket fix present` : changed.length ? `postgres ${version}: null-socket fix applied to ${changed.join(', ')}` : `postgres ${version}: null-socket fix already present`);
  } catch (error) {
    console.error(`patch-postgres: ${error.message}`);
    process.exit(1);
  }
}
