import type { JourneyName, JourneyTiming } from '../workflows/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Real-time defaults per journey. */
export const DEFAULT_TIMING: Record<JourneyName, JourneyTiming> = {
  'cart-abandon': { quietPeriodMs: 1 * HOUR, sendWindowMs: 1 * DAY, attributionWindowMs: 5 * DAY, secondTouchDelayMs: 1 * DAY },
  'browse-abandon': { quietPeriodMs: 2 * HOUR, sendWindowMs: 1 * DAY, attributionWindowMs: 5 * DAY },
  onboarding: { quietPeriodMs: 1 * HOUR, sendWindowMs: 1 * DAY, attributionWindowMs: 5 * DAY },
  'cross-sell': { quietPeriodMs: 3 * DAY, sendWindowMs: 7 * DAY, attributionWindowMs: 5 * DAY },
  clearance: { quietPeriodMs: 0, sendWindowMs: 2 * DAY, attributionWindowMs: 5 * DAY },
  'win-back': { quietPeriodMs: 0, sendWindowMs: 3 * DAY, attributionWindowMs: 7 * DAY },
};

/**
 * The timing a journey is started with. Demo mode (JOURNEY_TIME_SCALE < 1) compresses every wait by
 * the same factor, so the journey code runs unchanged and a demo finishes in seconds.
 */
export function journeyTiming(journey: JourneyName, timeScale: number): JourneyTiming {
  const t = DEFAULT_TIMING[journey];
  return {
    quietPeriodMs: Math.round(t.quietPeriodMs * timeScale),
    sendWindowMs: Math.round(t.sendWindowMs * timeScale),
    attributionWindowMs: Math.round(t.attributionWindowMs * timeScale),
    ...(t.secondTouchDelayMs === undefined ? {} : { secondTouchDelayMs: Math.round(t.secondTouchDelayMs * timeScale) }),
  };
}
