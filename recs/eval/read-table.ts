import { readFileSync } from 'node:fs';

/**
 * Reads a small delimited text file (comma, semicolon or tab, detected from the first line)
 * into rows of fields. A first line whose `numericColumn` field is not a number is taken as a
 * header and skipped. Quotes around whole fields are removed; embedded separators are not
 * supported (none of our evaluation files have them).
 */
export function readTable(path: string, numericColumn = -1): string[][] {
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const first = lines[0] ?? '';
  const sep = first.includes('\t') ? '\t' : first.includes(';') ? ';' : ',';
  const rows = lines.map((l) => l.split(sep).map((f) => f.replace(/^"(.*)"$/, '$1')));
  const head = rows[0];
  const hasHeader = head !== undefined && (numericColumn < 0 || Number.isNaN(Number(head[numericColumn])));
  return hasHeader ? rows.slice(1) : rows;
}
