// Self-contained charts (SVG, and one HTML page that holds them with the table): no scripts, no network.

import type { Interval, MetricName } from './metrics.ts';
import type { Summary } from './experiment.ts';

type Bar = { label: string; value: Interval; highlight: boolean };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars with 95 % interval whiskers; the zero line is drawn when values go negative. */
export function barChart(title: string, bars: readonly Bar[], format: (x: number) => string): string {
  const rowH = 22;
  const left = 190;
  const plotW = 460;
  const top = 34;
  const height = top + bars.length * rowH + 30;
  const values = bars.flatMap((b) => [b.value.mean, b.value.low, b.value.high]).filter(Number.isFinite);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values) || 1;
  const x = (v: number) => left + ((v - min) / (max - min)) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${x(0)}" y1="${top - 4}" x2="${x(0)}" y2="${height - 24}" stroke="#555"/>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const m = Number.isFinite(b.value.mean) ? b.value.mean : 0;
    const x0 = Math.min(x(0), x(m));
    parts.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${x0}" y="${y + 3}" width="${Math.abs(x(m) - x(0))}" height="${rowH - 8}" fill="${b.highlight ? '#d9480f' : '#4c6ef5'}"/>`);
    if (Number.isFinite(b.value.low)) {
      parts.push(`<line x1="${x(b.value.low)}" y1="${y + rowH / 2}" x2="${x(b.value.high)}" y2="${y + rowH / 2}" stroke="#000"/>`);
      for (const v of [b.value.low, b.value.high]) parts.push(`<line x1="${x(v)}" y1="${y + 6}" x2="${x(v)}" y2="${y + rowH - 6}" stroke="#000"/>`);
    }
    parts.push(`<text x="${Math.max(x(m), Number.isFinite(b.value.high) ? x(b.value.high) : 0) + 4}" y="${y + 14}">${esc(format(b.value.mean))}</text>`);
  });
  parts.push(`<text x="${left}" y="${height - 8}" fill="#555">bars: mean over seeds; whiskers: 95 % interval</text></svg>`);
  return parts.join('\n');
}

export const CHARTS: { file: string; title: string; metric: MetricName; format: (x: number) => string }[] = [
  { file: 'incremental-margin.svg', title: 'Incremental margin over the holdout, € per abandoned cart', metric: 'incrementalMarginPerCart', format: (x) => x.toFixed(3) },
  { file: 'oracle-share.svg', title: "Share of the oracle's incremental margin", metric: 'oracleShare', format: (x) => x.toFixed(2) },
  { file: 'recovery.svg', title: 'Carts recovered within 7 days (any cause)', metric: 'recoveryRate', format: (x) => `${(100 * x).toFixed(1)}%` },
  { file: 'discount-per-recovery.svg', title: 'Discount given per recovered cart, €', metric: 'discountPerRecovery', format: (x) => x.toFixed(2) },
];

export function charts(summary: Summary, scenario: string): { file: string; svg: string }[] {
  return CHARTS.map((c) => ({
    file: c.file,
    svg: barChart(`${c.title} — ${scenario}`, Object.entries(summary).map(([label, m]) => ({ label, value: m[c.metric], highlight: label === 'nextbest' })), c.format),
  }));
}

export function htmlReport(title: string, table: string, notes: readonly string[], svgs: readonly string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px} pre{font-size:12px;overflow-x:auto}</style></head><body>
<h1>${esc(title)}</h1><pre>${esc(table)}</pre><pre>${esc(notes.join('\n'))}</pre>
${svgs.map((s) => `<div>${s}</div>`).join('\n')}
</body></html>\n`;
}
