import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

// Histories are stored as protobufjs objects in JSON (camelCase fields, enum names, base64 bytes).
// The SDK's historyToJSON cannot be used here: @temporalio/common bundles a different protobufjs
// major than @temporalio/proto, and its converter rejects the other's message types.
const History = temporal.api.history.v1.History;
const JSON_OPTIONS = { longs: String, enums: String, bytes: String, defaults: false };

export const historiesDir = fileURLToPath(new URL('../workflows/histories/', import.meta.url));

/**
 * With RECORD_HISTORIES=1, saves a finished journey's event history under workflows/histories/ so the
 * replay test keeps checking that today's workflow code still replays it (determinism across changes).
 */
export async function maybeRecordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = History.fromObject(await client.workflow.getHandle(workflowId).fetchHistory());
  writeFileSync(join(historiesDir, `${name}.json`), `${JSON.stringify(History.toObject(history, JSON_OPTIONS), null, 1)}\n`);
}

/** Every committed history, with the workflow ID it was recorded under. */
export function committedHistories(): { name: string; workflowId: string; history: temporal.api.history.v1.History }[] {
  return readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = History.fromObject(JSON.parse(readFileSync(join(historiesDir, file), 'utf8')));
      return { name: file.replace(/\.json$/, ''), workflowId: `replay-${file}`, history };
    });
}
