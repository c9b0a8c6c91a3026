import type { Overview } from './overview.ts';

export interface ReportRow {
  metric: string;
  value: string;
  target: string;
  /** "met", "below" or "" when the metric has no target. */
  status: string;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
const money = (minor: number | null, currency: string) => (minor === null ? 'n/a' : `${(minor / 100).toFixed(2)} ${currency}`);
const judge = (v: number | null, target: number) => (v === null ? '' : v >= target ? 'met' : 'below');

/** The overview as rows: the same numbers the dashboard shows, each with its target where one exists. */
export function overviewReport(o: Overview): ReportRow[] {
  const t = o.totals;
  return [
    { metric: 'sends', value: String(t.sends), target: '', status: '' },
    { metric: 'delivered', value: `${t.delivered} (${pct(t.deliveryRate)})`, target: '', status: '' },
    { metric: 'open rate', value: pct(t.openRate), target: `> ${pct(o.targets.openRate)}`, status: judge(t.openRate, o.targets.openRate) },
    { metric: 'click-through', value: pct(t.clickThroughRate), target: `> ${pct(o.targets.clickThroughRate)}`, status: judge(t.clickThroughRate, o.targets.clickThroughRate) },
    { metric: 'conversion of recipients', value: pct(t.conversionOfRecipients), target: '', status: '' },
    { metric: 'conversion of traffic', value: pct(t.conversionOfTraffic), target: `> ${pct(o.targets.conversionOfTraffic)}`, status: judge(t.conversionOfTraffic, o.targets.conversionOfTraffic) },
    { metric: 'revenue per recipient', value: money(t.revenuePerRecipientMinor, o.currency), target: '', status: '' },
    { metric: 'discount per recovered cart', value: money(t.discountPerRecoveredCartMinor, o.currency), target: '', status: '' },
    { metric: 'recipients', value: String(t.recipients), target: '', status: '' },
    { metric: 'traffic (active customers)', value: String(t.traffic), target: '', status: '' },
    { metric: 'attributed orders', value: String(t.attributedOrders), target: '', status: '' },
    { metric: 'attributed revenue', value: money(t.attributedRevenueMinor, o.currency), target: '', status: '' },
  ];
}

const HEADER: (keyof ReportRow)[] = ['metric', 'value', 'target', 'status'];

export function toCsv(rows: readonly ReportRow[]): string {
  const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[HEADER.join(','), ...rows.map((r) => HEADER.map((k) => cell(r[k])).join(','))].join('\n')}\n`;
}

export function toTable(rows: readonly ReportRow[]): string {
  const widths = HEADER.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(HEADER), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(HEADER.map((k) => r[k])))].join('\n');
}
