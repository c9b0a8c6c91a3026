// The policies shops use today. They run through the same journey and re-check as nextbest; only the
// decision differs. Learning baselines learn from the same outcomes nextbest hears, when it hears them.

import { nextAllowedInstant } from '../../lib/local-time.ts';
import { Rng, type DiscountTier, type PersonChannel } from '../../models/index.ts';
import { nextLocalHour, wallClock } from '../clock.ts';
import { SHOP_QUIET } from '../journey.ts';
import type { DecisionContext, Policy, SendOutcome } from '../policy.ts';

/** The placeholder decide activity's order: the first consented channel, push not used. */
export const EMAIL_FIRST_ORDER: readonly PersonChannel[] = ['email', 'sms', 'whatsapp'];

export function firstChannel(eligible: readonly PersonChannel[]): PersonChannel | null {
  return EMAIL_FIRST_ORDER.find((c) => eligible.includes(c)) ?? null;
}

/** The first instant at or after the decision that is outside quiet hours: what activities/decide.ts does. */
export function firstAllowedMs(ctx: DecisionContext): number {
  return nextAllowedInstant(new Date(ctx.decideAtMs), ctx.timeZone, SHOP_QUIET.startMinute, SHOP_QUIET.endMinute).getTime();
}

export const holdout: Policy = { name: 'holdout', decide: () => null };

/** E-mail first (then SMS, WhatsApp), as soon as allowed, one fixed discount for everyone. */
export function emailFirst(tier: DiscountTier = 0, name = tier === 0 ? 'email-first' : `flat-${tier}`): Policy {
  return {
    name,
    decide(ctx) {
      const channel = firstChannel(ctx.eligible);
      return channel ? { channel, sendAtMs: firstAllowedMs(ctx), tier } : null;
    },
  };
}

/**
 * The same hour for everyone: 09:00 in the shop's time zone. The "Tuesday 9 am" is a weekly
 * campaign slot; a cart journey may only send within a day, so the slot used is the next 09:00.
 */
export function sameHour(shopTimeZone: string, hour = 9): Policy {
  return {
    name: 'same-hour-9am',
    decide(ctx) {
      const channel = firstChannel(ctx.eligible);
      return channel ? { channel, sendAtMs: nextLocalHour(shopTimeZone, ctx.decideAtMs, hour), tier: 0 } : null;
    },
  };
}

/** The local hour of day with the best smoothed click rate over everyone's e-mails; 10 % exploration. */
export function populationBestHour(seed: number): Policy {
  const sends = new Float64Array(24);
  const clicks = new Float64Array(24);
  const zones = new Map<number, string>();
  const rng = new Rng(`population-best-hour|${seed}`);
  const hourOf = (o: SendOutcome) => wallClock(zones.get(o.customer) ?? 'UTC', o.atMs).hour;
  const sentHour = new Map<string, number>();
  return {
    name: 'population-best-hour',
    decide(ctx) {
      zones.set(ctx.cart.customer, ctx.timeZone);
      const channel = firstChannel(ctx.eligible);
      if (!channel) return null;
      let best = 8;
      if (rng.next() < 0.1) best = 8 + Math.floor(rng.next() * 13);
      else {
        const overall = (clicks.reduce((a, b) => a + b, 0) + 1) / (sends.reduce((a, b) => a + b, 0) + 25);
        let bestRate = -1;
        for (let h = 8; h <= 20; h++) {
          const rate = (clicks[h]! + 50 * overall) / (sends[h]! + 50);
          if (rate > bestRate) [best, bestRate] = [h, rate];
        }
      }
      return { channel, sendAtMs: nextLocalHour(ctx.timeZone, ctx.decideAtMs, best), tier: 0 };
    },
    onOutcome(o) {
      if (o.kind === 'delivered') {
        const h = hourOf(o);
        sentHour.set(o.sendId, h);
        sends[h]!++;
      } else if (o.kind === 'clicked') {
        const h = sentHour.get(o.sendId);
        if (h !== undefined) clicks[h]!++;
      }
    },
  };
}

/** Per customer, the channel with the best clicks-per-send so far, smoothed toward the shop's rate. */
export function bestChannelByRatio(): Policy {
  const mine = new Map<string, { sends: number; clicks: number }>();
  const shop = new Map<PersonChannel, { sends: number; clicks: number }>();
  const bump = (m: Map<string, { sends: number; clicks: number }>, key: string, field: 'sends' | 'clicks') => {
    const v = m.get(key) ?? { sends: 0, clicks: 0 };
    v[field]++;
    m.set(key, v);
  };
  return {
    name: 'best-channel-by-ratio',
    decide(ctx) {
      let best: PersonChannel | null = null;
      let bestRate = -1;
      for (const ch of EMAIL_FIRST_ORDER) {
        if (!ctx.eligible.includes(ch)) continue;
        const s = shop.get(ch) ?? { sends: 0, clicks: 0 };
        const shopRate = (s.clicks + 1) / (s.sends + 25);
        const m = mine.get(`${ctx.cart.customer}|${ch}`) ?? { sends: 0, clicks: 0 };
        const rate = (m.clicks + 5 * shopRate) / (m.sends + 5);
        if (rate > bestRate) [best, bestRate] = [ch, rate];
      }
      return best ? { channel: best, sendAtMs: firstAllowedMs(ctx), tier: 0 } : null;
    },
    onOutcome(o) {
      if (o.kind !== 'delivered' && o.kind !== 'clicked') return;
      const field = o.kind === 'delivered' ? 'sends' : 'clicks';
      bump(mine, `${o.customer}|${o.channel}`, field);
      const s = shop.get(o.channel) ?? { sends: 0, clicks: 0 };
      s[field]++;
      shop.set(o.channel, s);
    },
  };
}
