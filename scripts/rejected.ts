import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { createDatabase } from '../db/client.ts';
import { rejectedPayloads } from '../db/schema.ts';
import { encryptLegacyRejections, pendingRejections, replayRejected } from '../ingest/replay.ts';
import { config } from '../lib/config.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';

const HELP = `Usage: npm run rejected -- <command> [options]

Payloads the API refused are kept with their reason. List them, fix the cause (an adapter, a shop's
secret), then replay them through the same entry path. Replays do not start journeys. Bodies are kept
encrypted with PII_ENCRYPTION_KEY (they may name customers) and decrypted to be replayed.

Commands:
  list                 kept payloads not yet replayed, oldest first
  replay <id>...       replay the given payloads
  replay --all         replay every pending payload (filtered by --shop / --source)
  encrypt              encrypt the bodies of payloads kept before bodies were kept encrypted

Options:
  --shop <id>          only this shop
  --source <name>      only this source (segment, shopify, woocommerce, api, http)
  --limit <n>          at most n payloads (default 100)
  --trust-unsigned     also replay payloads refused for a bad signature or key (401/403)
  -h, --help           this help

Uses DATABASE_URL (or the embedded PGlite data folder) and PII_ENCRYPTION_KEY, as the app does.`;

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { shop: { type: 'string' }, source: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' },
      'trust-unsigned': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...ids] = positionals;
  if (values.help || !command) return console.log(HELP);
  const cfg = config();
  const database = createDatabase(cfg.DATABASE_URL ? { url: cfg.DATABASE_URL } : { dataDir: `${cfg.DATA_DIR}/pglite` });
  await database.migrate();
  const deps = { database, cipher: new PiiCipher(piiKey(cfg)) };
  try {
    const filter = { ...(values.shop ? { shopId: values.shop } : {}), ...(values.source ? { source: values.source } : {}), limit: Number(values.limit ?? 100) };
    if (command === 'list') {
      for (const r of await pendingRejections(deps, filter)) {
        console.log(`${r.id}\t${r.receivedAt.toISOString()}\t${r.status}\t${r.source}\t${r.shopId ?? '-'}\t${r.endpoint}\t${JSON.stringify(r.reason).slice(0, 200)}`);
      }
      return;
    }
    if (command === 'encrypt') {
      console.log(`encrypted ${await encryptLegacyRejections(deps)} kept payload bodies`);
      return;
    }
    if (command !== 'replay') throw new Error(`unknown command "${command}"; see --help`);
    const rows = values.all
      ? await pendingRejections(deps, filter)
      : (await Promise.all(ids.map((id) => database.db.select().from(rejectedPayloads).where(eq(rejectedPayloads.id, Number(id)))))).flat();
    if (!rows.length) throw new Error('nothing to replay: give payload ids (see `list`) or --all');
    for (const row of rows) {
      const r = await replayRejected(deps, row, { trustUnsigned: values['trust-unsigned'] ?? false });
      console.log(`${r.id}\t${r.status}\t${r.detail}`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
