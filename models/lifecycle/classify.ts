// Lifecycle stage from recency, frequency and monetary value. Pure: callers recompute it on every order
// and refund and compare with stageChanged to emit an event (a turn to at-risk or lapsed starts win-back).

import type { Stage } from '../types.ts';
import type { StageThresholds } from './thresholds.ts';

export type Order = {
  at: string;
  valueMinor: number;
  /** A fully refunded order is not a purchase. */
  refunded?: boolean;
};

export type StageResult = {
  stage: Stage;
  why: string;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
};

export type ClassifyInput = {
  orders: readonly Order[];
  now: string;
  previousStage: Stage | null;
  thresholds: StageThresholds;
};

const DAY_MS = 86_400_000;

export function classifyStage({ orders, now, previousStage, thresholds }: ClassifyInput): StageResult {
  const nowMs = Date.parse(now);
  const times = orders
    .filter((o) => !o.refunded && Date.parse(o.at) <= nowMs)
    .map((o) => ({ ms: Date.parse(o.at), value: o.valueMinor }))
    .sort((a, b) => a.ms - b.ms);
  const frequency = times.length;
  const monetaryMinor = times.reduce((sum, o) => sum + o.value, 0);
  const last = times[frequency - 1];
  if (!last) return { stage: 'new', why: 'no purchases yet', recencyDays: null, frequency, monetaryMinor };

  const recencyDays = (nowMs - last.ms) / DAY_MS;
  const rfm = `${frequency} purchase${frequency === 1 ? '' : 's'} worth ${monetaryMinor} (minor units), last ${days(recencyDays)} ago`;
  const result = (stage: Stage, why: string): StageResult => ({
    stage,
    why: `${why}; ${rfm}`,
    recencyDays,
    frequency,
    monetaryMinor,
  });

  if (recencyDays > thresholds.lapsedAfterDays) {
    return result('lapsed', `no purchase for longer than the shop's lapsed threshold of ${days(thresholds.lapsedAfterDays)}`);
  }
  if (recencyDays > thresholds.atRiskAfterDays) {
    return result('at-risk', `no purchase for longer than the shop's at-risk threshold of ${days(thresholds.atRiskAfterDays)}`);
  }
  const before = times[frequency - 2];
  const gapBefore = before ? (last.ms - before.ms) / DAY_MS : null;
  // The order history alone shows a win-back (a purchase after a lapsed-length gap), which survives
  // recomputation; previousStage adds the case where the thresholds moved since the customer lapsed.
  if (previousStage === 'lapsed' || (gapBefore !== null && gapBefore > thresholds.lapsedAfterDays)) {
    const gap = gapBefore === null ? '' : ` after a gap of ${days(gapBefore)}`;
    return result('won-back', `purchased again while lapsed${gap}`);
  }
  if (frequency === 1) return result('new', 'first purchase is recent');
  return result('active', `purchasing within the shop's usual repeat gap of ${days(thresholds.atRiskAfterDays)}`);
}

export type StageChange = {
  from: Stage | null;
  to: Stage;
  /** at-risk and lapsed are the triggers of the win-back journey. */
  startsWinBack: boolean;
  description: string;
};

/** The event to emit when a recomputed stage differs from the stored one; null when nothing changed. */
export function stageChanged(prev: Stage | null, next: Stage): StageChange | null {
  if (prev === next) return null;
  const startsWinBack = next === 'at-risk' || next === 'lapsed';
  return {
    from: prev,
    to: next,
    startsWinBack,
    description: `lifecycle stage ${prev ?? 'unknown'} → ${next}${startsWinBack ? ' (starts win-back)' : ''}`,
  };
}

function days(d: number): string {
  return `${Math.round(d * 10) / 10} days`;
}
