import type { AttributionSettings } from './settings.ts';

/** Providers that cannot tell us about opens or clicks. */
export const UNTRACKED_PROVIDERS = new Set(['outbox']);

export interface Touch {
  dispatchId: string;
  provider: string;
  sentAt: Date;
  opens: { at: Date; machine: boolean }[];
  clicks: Date[];
}

export type AttributionRule = 'click' | 'open' | 'send';

export interface Credit {
  dispatchId: string;
  rule: AttributionRule;
  /** The click, open or send that earned the credit. */
  touchAt: Date;
}

/**
 * Last touch, by strength of evidence: the message clicked last within the click window wins; if none
 * was clicked, the one opened last within the open window; if none, a message sent through a provider
 * that cannot report engagement within its window. Windows include both edges: a touch exactly one
 * window before the order counts, a touch after the order never does.
 */
export function creditFor(placedAt: Date, touches: readonly Touch[], settings: AttributionSettings): Credit | null {
  const order = placedAt.getTime();
  const within = (at: Date, windowMs: number) => windowMs > 0 && at.getTime() <= order && at.getTime() >= order - windowMs;
  const latest = (candidates: Credit[]) => candidates.reduce<Credit | null>((best, c) => (!best || c.touchAt > best.touchAt ? c : best), null);

  const clicks = touches.flatMap((t) => t.clicks.filter((at) => within(at, settings.clickWindowMs)).map((at) => ({ dispatchId: t.dispatchId, rule: 'click' as const, touchAt: at })));
  const byClick = latest(clicks);
  if (byClick) return byClick;
  const opens = touches.flatMap((t) =>
    t.opens
      .filter((o) => !(settings.excludeMachineOpens && o.machine) && within(o.at, settings.openWindowMs))
      .map((o) => ({ dispatchId: t.dispatchId, rule: 'open' as const, touchAt: o.at })),
  );
  const byOpen = latest(opens);
  if (byOpen) return byOpen;
  const sends = touches
    .filter((t) => UNTRACKED_PROVIDERS.has(t.provider) && within(t.sentAt, settings.untrackedSendWindowMs))
    .map((t) => ({ dispatchId: t.dispatchId, rule: 'send' as const, touchAt: t.sentAt }));
  return latest(sends);
}
