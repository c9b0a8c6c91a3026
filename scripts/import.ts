import { parseArgs } from 'node:util';
import { createDatabase } from '../db/client.ts';
import { importFile, type ImportProgress } from '../ingest/import.ts';
import { IMPORT_KINDS, type ImportKind } from '../ingest/import-records.ts';
import { config } from '../lib/config.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';

const HELP = `Usage: npm run import -- --shop <id> --kind <kind> <file> [options]

Imports a shop's history from a CSV or NDJSON file through the same entry path as live events
(validation, dedupe, identity, orders). History starts no journeys. An interrupted import of the same
file resumes where it stopped; importing it again stores nothing twice. Refused records are kept with
their line number and reason (table import_rejections, listed at the end).

Kinds and their columns (CSV header, or NDJSON keys):
  orders     order_id, customer_id, email, placed_at, currency, total, discount, status (placed|paid|fulfilled|cancelled)
             and per line product_id, quantity, price — CSV: one row per line, rows of one order together;
             NDJSON: "lines": [{ "product_id", "quantity", "price" }]
  products   product_id, title, category, price, currency, url, image_url, stock, updated_at
  customers  customer_id, email, phone, timezone, locale, country, email_opt_in, sms_opt_in, created_at
  events     CSV: event_id, type (product_viewed|cart_item_added|cart_item_removed), occurred_at, customer_id or
             anonymous_id, product_id, cart_id, quantity, price, currency, dwell_ms
             NDJSON: canonical events as POST /v1/events takes them (ingest/canonical.ts)
Amounts are decimals in major units ("19.99"); instants ISO 8601 with a zone.

Options:
  --shop <id>          the shop (must exist)
  --kind <kind>        orders | products | customers | events
  --format <f>         csv | ndjson (default: from the file name: .csv, .ndjson, .jsonl)
  --source <name>      whose ids the file uses (default "import"; e.g. "shopify" for a Shopify export,
                       so its customers and orders meet the ones the webhooks send)
  --batch <n>          records per transaction (default 500)
  -h, --help           this help

Uses DATABASE_URL (or the embedded PGlite data folder) and PII_ENCRYPTION_KEY, as the app does.`;

function bar(p: ImportProgress): string {
  const share = p.bytesTotal ? Math.min(1, p.bytesRead / p.bytesTotal) : 1;
  const width = 30;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${p.records} records: ${p.accepted} accepted, ${p.duplicate} duplicate, ${p.rejected} rejected`;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { shop: { type: 'string' }, kind: { type: 'string' }, format: { type: 'string' }, source: { type: 'string' }, batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' } },
  });
  const [file] = positionals;
  if (values.help) return console.log(HELP);
  if (!values.shop || !values.kind || !file) throw new Error('give --shop, --kind and a file; see --help');
  if (!(IMPORT_KINDS as readonly string[]).includes(values.kind)) throw new Error(`--kind must be one of ${IMPORT_KINDS.join(', ')} (got "${values.kind}")`);
  if (values.format && values.format !== 'csv' && values.format !== 'ndjson') throw new Error(`--format must be csv or ndjson (got "${values.format}")`);
  const cfg = config();
  const database = createDatabase(cfg.DATABASE_URL ? { url: cfg.DATABASE_URL } : { dataDir: `${cfg.DATA_DIR}/pglite` });
  await database.migrate();
  const tty = process.stderr.isTTY;
  let last = 0;
  try {
    const summary = await importFile({ database, cipher: new PiiCipher(piiKey(cfg)) }, {
      shopId: values.shop, kind: values.kind as ImportKind, file, ...(values.format ? { format: values.format as 'csv' | 'ndjson' } : {}),
      ...(values.source ? { source: values.source } : {}), batchSize: Number(values.batch ?? 500),
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${bar(p)}`);
        else if (Date.now() - last > 2000 || p.bytesRead >= p.bytesTotal) {
          last = Date.now();
          process.stderr.write(`${bar(p)}\n`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    if (summary.alreadyFinished) console.log(`already imported (run ${summary.runId}); nothing to do`);
    else if (summary.resumedFrom) console.log(`resumed run ${summary.runId} after ${summary.resumedFrom} records`);
    console.log(`import ${summary.runId}: ${summary.records} records, ${summary.accepted} accepted, ${summary.duplicate} duplicate, ${summary.rejected} rejected`);
    if (summary.rejected) {
      const rows = await database.rows<{ line: number; reason: string }>(
        (await import('drizzle-orm')).sql`select line, reason from import_rejections where run_id = ${summary.runId} order by line limit 20`);
      for (const r of rows) console.log(`  line ${r.line}: ${r.reason}`);
      if (summary.rejected > rows.length) console.log(`  … ${summary.rejected - rows.length} more in import_rejections (run_id = '${summary.runId}')`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write('\n');
  console.error((error as Error).message);
  process.exitCode = 1;
});
