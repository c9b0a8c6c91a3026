// Counts one run adds up, the metrics derived from them per seed, and their mean with a 95 % interval
// over seeds (Student's t: seeds are few, and each is one independent shop).

import type { PersonChannel } from '../models/index.ts';

export type Tally = {
  carts: number;
  /** Carts with an order within 7 days of being left, whatever caused it. */
  recovered: number;
  /** Carts with an order within the attribution window after a send: how vendors count "recovered". */
  vendorRecovered: number;
  /** Recovered margin (basket × margin − discount) minus channel costs, minor units. */
  marginMinor: number;
  discountMinor: number;
  costMinor: number;
  sends: number;
  sendsByChannel: Record<PersonChannel, number>;
  discountedSends: number;
  deferrals: number;
  emailSends: number;
  emailOpens: number;
  /** E-mails to customers whose client does not open mail by itself, and their (human) opens. */
  emailSendsHuman: number;
  emailOpensHuman: number;
  emailOrders: number;
  clicks: number;
  clickOrders: number;
  unsubscribes: number;
  violations: number;
};

export function emptyTally(): Tally {
  return {
    carts: 0, recovered: 0, vendorRecovered: 0, marginMinor: 0, discountMinor: 0, costMinor: 0, sends: 0,
    sendsByChannel: { email: 0, sms: 0, whatsapp: 0, push: 0 }, discountedSends: 0, deferrals: 0, emailSends: 0,
    emailOpens: 0, emailSendsHuman: 0, emailOpensHuman: 0, emailOrders: 0, clicks: 0, clickOrders: 0,
    unsubscribes: 0, violations: 0,
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

/** Per-seed metrics of one policy, given the same seed's holdout and oracle. */
export function seedMetrics(t: Tally, holdout: Tally, oracle: Tally): Record<MetricName, number> {
  const incremental = t.marginMinor - holdout.marginMinor;
  return {
    incrementalMarginPerCart: ratio(incremental, t.carts) / 100,
    oracleShare: ratio(incremental, oracle.marginMinor - holdout.marginMinor),
    recoveryRate: ratio(t.recovered, t.carts),
    recoveryOverHoldout: ratio(t.recovered - holdout.recovered, t.carts),
    vendorRecoveryRate: ratio(t.vendorRecovered, t.carts),
    discountPerRecovery: ratio(t.discountMinor, t.recovered) / 100,
    sendsPerCart: ratio(t.sends, t.carts),
    smsShare: ratio(t.sendsByChannel.sms + t.sendsByChannel.whatsapp, t.sends),
    openRateAll: ratio(t.emailOpens, t.emailSends),
    openRateHuman: ratio(t.emailOpensHuman, t.emailSendsHuman),
    clickRate: ratio(t.clicks, t.sends),
    emailOrderRate: ratio(t.emailOrders, t.emailSends),
    trafficConversion: ratio(t.clickOrders, t.clicks),
    unsubscribesPer1000: ratio(1000 * t.unsubscribes, t.sends),
    violations: t.violations,
  };
}

export const METRICS = [
  'incrementalMarginPerCart', 'oracleShare', 'recoveryRate', 'recoveryOverHoldout', 'vendorRecoveryRate',
  'discountPerRecovery', 'sendsPerCart', 'smsShare', 'openRateAll', 'openRateHuman', 'clickRate', 'emailOrderRate',
  'trafficConversion', 'unsubscribesPer1000', 'violations',
] as const;
export type MetricName = (typeof METRICS)[number];

export type Interval = { mean: number; low: number; high: number; n: number };

/** Mean and 95 % t-interval of the finite values. */
export function interval(values: readonly number[]): Interval {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: NaN, high: NaN, n };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, n };
}

/** Two-sided 95 % quantile of Student's t (table up to 30 degrees of freedom, then the normal). */
export function tQuantile975(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
    2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  return df >= 1 && df <= 30 ? table[df - 1]! : 1.96 + 2.4 / Math.max(df, 1);
}
