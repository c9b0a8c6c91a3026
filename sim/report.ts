// The text table, the target checks and the machine-readable last line.

import { interval, type Interval, type Tally } from './metrics.ts';
import type { SeedResult, Summary } from './experiment.ts';

const pct = (i: Interval, digits = 1) => `${(100 * i.mean).toFixed(digits)}%`;
const ci = (i: Interval, f: (x: number) => string) => (Number.isFinite(i.low) ? `${f(i.mean)} [${f(i.low)}, ${f(i.high)}]` : f(i.mean));
const eur = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const share = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const p1 = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

export function table(summary: Summary): string {
  const head = ['policy', 'incr. margin €/cart [95% CI]', 'oracle share [95% CI]', 'recovered', 'over holdout', 'vendor-counted', 'discount €/recovery', 'sends/cart', 'SMS+WA', 'open (all)', 'open (no machine)', 'click', 'traffic conv.', 'unsub/1000', 'violations'];
  const rows = Object.entries(summary).map(([name, m]) => [
    name, ci(m.incrementalMarginPerCart, eur), ci(m.oracleShare, share), pct(m.recoveryRate), ci(m.recoveryOverHoldout, p1), pct(m.vendorRecoveryRate),
    eur(m.discountPerRecovery.mean), m.sendsPerCart.mean.toFixed(2), p1(m.smsShare.mean), p1(m.openRateAll.mean), p1(m.openRateHuman.mean), p1(m.clickRate.mean),
    p1(m.trafficConversion.mean), Number.isFinite(m.unsubscribesPer1000.mean) ? m.unsubscribesPer1000.mean.toFixed(1) : '–', String(Math.round(m.violations.mean * m.violations.n)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const FIXED = ['email-first', 'same-hour-9am', 'flat-15', 'population-best-hour', 'best-channel-by-ratio'];

export type Headline = {
  cartRecoveryLift: Interval;
  cartRecoveryLiftImmediate: Interval;
  incrementalRecoveryLift: Interval;
  discountPerRecovery: Interval;
  discountPerRecoveryLikeForLike: Interval;
  recoveryVsFlat15: Interval;
  oracleShare: Interval;
  gapToBestFixed: Interval;
  bestFixed: string;
  violations: number;
};

/** The figures the issue sets targets on, each paired per seed (the policies share each seed's world). */
export function headline(seeds: readonly SeedResult[], summary: Summary): Headline {
  const per = (f: (t: Record<string, Tally>) => number) => interval(seeds.map((s) => f(s.tallies)));
  const rel = (a: number, b: number) => (b > 0 ? a / b - 1 : NaN);
  const vendor = (t: Tally) => t.vendorRecovered / t.carts;
  const dpr = (t: Tally) => t.discountMinor / Math.max(1, t.recovered);
  const bestFixed = FIXED.filter((f) => summary[f]).sort((a, b) => summary[b]!.incrementalMarginPerCart.mean - summary[a]!.incrementalMarginPerCart.mean)[0] ?? 'email-first';
  const im = (t: Record<string, Tally>, name: string) => t[name]!.marginMinor - t.holdout!.marginMinor;
  return {
    cartRecoveryLift: per((t) => rel(vendor(t.nextbest!), vendor(t['same-hour-9am']!))),
    cartRecoveryLiftImmediate: per((t) => rel(vendor(t.nextbest!), vendor(t['email-first']!))),
    incrementalRecoveryLift: per((t) => rel(t.nextbest!.recovered - t.holdout!.recovered, t['email-first']!.recovered - t.holdout!.recovered)),
    discountPerRecovery: per((t) => rel(dpr(t.nextbest!), dpr(t['flat-15']!))),
    discountPerRecoveryLikeForLike: per((t) => rel(dpr(t.nextbest!), dpr(t['nextbest-flat-15']!))),
    recoveryVsFlat15: per((t) => rel(t.nextbest!.recovered, t['flat-15']!.recovered)),
    oracleShare: summary.nextbest!.oracleShare,
    gapToBestFixed: per((t) => im(t, 'nextbest') / im(t, bestFixed) - 1),
    bestFixed,
    violations: seeds.reduce((sum, s) => sum + Object.values(s.tallies).reduce((k, t) => k + t.violations, 0), 0),
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const withCi = (i: Interval) => `${signed(i.mean)} [${signed(i.low)}, ${signed(i.high)}]`;

export function targetLines(h: Headline, heterogeneous: boolean): string[] {
  const mark = (ok: boolean) => (ok ? 'met   ' : 'MISSED');
  const lines = [
    `${mark(h.cartRecoveryLift.mean >= 0.34)} cart recovery (vendor-counted) vs e-mail first at the same hour ≥ +0.34: ${withCi(h.cartRecoveryLift)} (vs e-mail first sent at once: ${withCi(h.cartRecoveryLiftImmediate)}; incremental recovery vs e-mail first: ${withCi(h.incrementalRecoveryLift)})`,
    `${mark(h.discountPerRecovery.mean <= -0.18 && h.recoveryVsFlat15.mean >= -0.02)} discount per recovered cart vs flat 15 % ≤ −0.18 with recovery within 2 %: ${withCi(h.discountPerRecovery)}, recovery ${withCi(h.recoveryVsFlat15)} (like-for-like vs nextbest routing with flat 15 %: ${withCi(h.discountPerRecoveryLikeForLike)})`,
    `${mark(h.oracleShare.mean >= 0.8)} share of the oracle's incremental margin ≥ 0.80: ${h.oracleShare.mean.toFixed(2)} [${h.oracleShare.low.toFixed(2)}, ${h.oracleShare.high.toFixed(2)}]`,
    `${mark(h.violations === 0)} violations of caps and quiet hours = 0: ${h.violations}`,
  ];
  if (!heterogeneous) lines.push(`${mark(h.gapToBestFixed.mean >= -0.02)} no loss > 2 % against the best fixed policy (${h.bestFixed}): ${withCi(h.gapToBestFixed)}`);
  return lines;
}

export function machineLine(h: Headline): string {
  return [
    `cart_recovery_lift=${signed(h.cartRecoveryLift.mean)}`,
    `discount_per_recovery=${signed(h.discountPerRecovery.mean)}`,
    `oracle_share=${h.oracleShare.mean.toFixed(2)}`,
    `violations=${h.violations}`,
    `recovery_vs_flat15=${signed(h.recoveryVsFlat15.mean)}`,
    `vs_best_fixed=${signed(h.gapToBestFixed.mean)}`,
  ].join(' ');
}

/** The benchmark figures the world is calibrated to, as this run measured them (see calibration.ts). */
export function calibrationLine(summary: Summary): string {
  const ef = summary['email-first'];
  const ho = summary.holdout;
  if (!ef || !ho) return 'calibration: needs the email-first and holdout policies';
  return `calibration (benchmarks in brackets): holdout recovery ${p1(ho.recoveryRate.mean)} [5–10 %]; email-first e-mail open ${p1(ef.openRateAll.mean)} incl. machine opens [40–50 %], click ${p1(ef.clickRate.mean)} [3–5 %], placed-order rate ${p1(ef.emailOrderRate.mean)} of recipients [~3 %]`
    + ' (per message over both touches; the base rates are set on the first reminder, and the second, a day later, meets colder intent: sim.test.ts checks the first touch alone)';
}
