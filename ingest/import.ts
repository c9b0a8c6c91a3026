import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { eq, sql } from 'drizzle-orm';
import { importRuns } from '../db/schema.ts';
import type { CanonicalEvent } from './canonical.ts';
import { applyEvents, type EntryDeps, type EntryResult } from './entry.ts';
import type { Tx } from './identity.ts';
import { groupOrderRows, recordToEvents, type FileRecord, type ImportKind } from './import-records.ts';

// Bulk import of history: a CSV or NDJSON file through the same entry path as live traffic, in
// batches, each batch's counts and refused records written in the batch's own transaction, so an
// interrupted import resumes after the last stored batch and counts nothing twice. History starts no
// journeys: no triggers are queued.

export interface ImportOptions {
  shopId: string;
  kind: ImportKind;
  file: string;
  format?: 'csv' | 'ndjson';
  /** Whose ids the file uses (identities are per source): `import` by default, or e.g. `shopify` for a Shopify export. */
  source?: string;
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  bytesRead: number;
  bytesTotal: number;
  records: number;
  accepted: number;
  duplicate: number;
  rejected: number;
}

export interface ImportSummary extends Omit<ImportProgress, 'bytesRead' | 'bytesTotal'> {
  runId: string;
  /** Records already done by an earlier, interrupted run of the same file. */
  resumedFrom: number;
  alreadyFinished: boolean;
}

export const formatOf = (file: string, format?: string): 'csv' | 'ndjson' => {
  if (format === 'csv' || format === 'ndjson') return format;
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(file)) return 'ndjson';
  throw new Error(`cannot tell the format of "${file}": name it .csv, .ndjson or .jsonl, or pass --format csv|ndjson`);
};

/** The same file (path and size) imported again for the same shop and kind is the same run: it resumes. */
export const importRunId = (o: Pick<ImportOptions, 'shopId' | 'kind' | 'file' | 'source'>, size: number) =>
  `imp_${createHash('sha256').update([o.shopId, o.kind, o.source ?? 'import', resolve(o.file), size].join('\n')).digest('hex').slice(0, 20)}`;

export async function importFile(deps: EntryDeps, options: ImportOptions): Promise<ImportSummary> {
  const { db } = deps.database;
  const format = formatOf(options.file, options.format);
  const size = statSync(options.file).size;
  const source = options.source ?? 'import';
  const runId = importRunId(options, size);
  const [existing] = await db.select().from(importRuns).where(eq(importRuns.id, runId));
  if (!existing) await db.insert(importRuns).values({ id: runId, shopId: options.shopId, file: resolve(options.file), kind: options.kind });
  const done = existing?.recordsDone ?? 0;
  const progress: ImportProgress = { bytesRead: 0, bytesTotal: size, records: done,
    accepted: existing?.accepted ?? 0, duplicate: existing?.duplicate ?? 0, rejected: existing?.rejected ?? 0 };
  const summary = () => ({ runId, records: progress.records, accepted: progress.accepted, duplicate: progress.duplicate, rejected: progress.rejected, resumedFrom: done });
  if (existing?.finishedAt) return { ...summary(), alreadyFinished: true };

  let seen = 0;
  let pending: FileRecord[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await storeRecords(deps, options, source, runId, pending, progress);
    pending = [];
    options.onProgress?.({ ...progress });
  };
  for await (const record of readRecords(options.file, format, options.kind, (n) => { progress.bytesRead = n; })) {
    if (++seen <= done) continue;
    pending.push(record);
    if (pending.length >= (options.batchSize ?? 500)) await flush();
  }
  await flush();
  progress.bytesRead = size;
  await db.update(importRuns).set({ finishedAt: new Date(), updatedAt: new Date() }).where(eq(importRuns.id, runId));
  options.onProgress?.({ ...progress });
  return { ...summary(), alreadyFinished: false };
}

/** One batch: mapped, stored, and the run's counts and refused records written in the same transaction. */
async function storeRecords(deps: EntryDeps, options: ImportOptions, source: string, runId: string, records: FileRecord[], progress: ImportProgress): Promise<void> {
  const events: CanonicalEvent[] = [];
  const eventRecord: FileRecord[] = [];
  const refused: { line: number; reason: string; record: string }[] = [];
  for (const r of records) {
    const mapped = recordToEvents(options.kind, r.fields);
    if (!mapped.ok) refused.push({ line: r.line, reason: mapped.reason, record: JSON.stringify(r.fields) });
    else for (const e of mapped.events) {
      events.push(e);
      eventRecord.push(r);
    }
  }
  const counts = { accepted: 0, duplicate: 0, rejected: 0 };
  // Runs again if the transaction is retried: counts are recomputed, never added to here.
  const record = async (tx: Tx, results: EntryResult[]) => {
    const failed = [...refused];
    counts.accepted = 0;
    counts.duplicate = 0;
    results.forEach((res, i) => {
      if (!res.ok) failed.push({ line: eventRecord[i]!.line, reason: res.error, record: JSON.stringify(eventRecord[i]!.fields) });
      else if (res.effect.duplicate) counts.duplicate++;
      else counts.accepted++;
    });
    if (failed.length) {
      await tx.execute(sql`insert into import_rejections (run_id, line, reason, record)
        select ${runId}, r.l, r.m, r.r from jsonb_to_recordset(${JSON.stringify(failed.map((f) => ({ l: f.line, m: f.reason, r: f.record })))}::jsonb) as r(l integer, m text, r text)
        on conflict (run_id, line) do update set reason = excluded.reason`);
    }
    await tx.update(importRuns).set({
      recordsDone: sql`${importRuns.recordsDone} + ${records.length}`, accepted: sql`${importRuns.accepted} + ${counts.accepted}`,
      duplicate: sql`${importRuns.duplicate} + ${counts.duplicate}`, rejected: sql`${importRuns.rejected} + ${failed.length}`, updatedAt: new Date(),
    }).where(eq(importRuns.id, runId));
    counts.rejected = failed.length;
  };
  if (events.length) await applyEvents(deps, options.shopId, source, events, record);
  else await deps.database.db.transaction((tx) => record(tx, []));
  progress.records += records.length;
  progress.accepted += counts.accepted;
  progress.duplicate += counts.duplicate;
  progress.rejected += counts.rejected;
}

/** Records of a file with the line each starts on; CSV order rows grouped into orders as they stream by. */
async function* readRecords(file: string, format: 'csv' | 'ndjson', kind: ImportKind, onBytes: (n: number) => void): AsyncGenerator<FileRecord> {
  const stream = createReadStream(file);
  let bytes = 0;
  stream.on('data', (chunk) => onBytes((bytes += chunk.length)));
  if (format === 'ndjson') {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        fields = { __unparsable: text, __error: (error as Error).message };
      }
      yield { line, fields };
    }
    return;
  }
  const parser = stream.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true }));
  let group: FileRecord[] = [];
  for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const r = { line: row.info.lines, fields: row.record };
    if (kind !== 'orders') {
      yield r;
      continue;
    }
    if (group.length && group[0]!.fields.order_id !== r.fields.order_id) {
      yield* groupOrderRows(group);
      group = [];
    }
    group.push(r);
  }
  if (group.length) yield* groupOrderRows(group);
}
