// Base rates of the hidden world. Each is set from a public e-commerce benchmark, never from what makes a
// policy win; the simulator prints the resulting holdout recovery and e-mail open / click / order rates
// next to these figures so a reader can check the calibration on every run.
//
// Public figures used (rounded; vendors' yearly benchmark reports):
// - Cart abandonment: about 70 % of carts are left (Baymard Institute's average of ~50 studies, 70.2 %).
// - Abandoned-cart e-mail flows: open rate ~40–50 % *including* machine opens (Apple Mail Privacy
//   Protection opens every message for roughly 40–50 % of recipients), click rate ~3–5 %, placed-order
//   rate ~3 % of recipients (Klaviyo / Omnisend flow benchmarks).
// - Carts recovered with no message at all: ~5–10 %, most of them within the first hours.
// - SMS click rates are reported at roughly 2–3× e-mail's; opt-out (unsubscribe) per SMS ~0.5–1 %,
//   per marketing e-mail ~0.1–0.3 %.
// - Add-to-cart rate ~5–10 % of sessions across all traffic (Dynamic Yield, Littledata e-commerce
//   benchmarks); returning customers add to cart more often than that.
// - Gross margin of an online shop ~40 %; first-touch reminders work best within an hour or so, and the
//   value of a reminder fades over the following day.

import type { PersonChannel } from '../models/index.ts';

export const CALIBRATION = {
  /** Share of shopping intents that become an abandoned cart (the rest order at once). */
  abandonShare: 0.7,
  /** Mean shopping intents per customer per 30 days; individual rates are Gamma with this shape. */
  intentsPer30Days: 1.2,
  intentRateShape: 0.8,
  /**
   * Site sessions without a cart or order per shopping intent, at the customer's active hours. One session
   * in seven ends in a cart or order (~14 %), above the ~5–10 % add-to-cart rate of all traffic, since
   * these are returning customers. They buy nothing by themselves; they are what the product sees as
   * page views (ingest records a product view as a site visit).
   */
  browseVisitsPerIntent: 6,
  /** Chance that a customer stops shopping after an intent (BG/NBD-style dropout). */
  dropoutPerIntent: 0.08,
  /** Cart recovered with no message within 7 days (before recency boost), and when it happens. */
  organicRecovery: 0.045,
  organicEarlyShare: 0.7,
  organicEarlyMeanHours: 0.75,
  organicLateMeanHours: 48,
  /** A purchase in the last 30 days makes organic recovery this much likelier (recency). */
  recentBuyerOrganicBoost: 1.5,
  /**
 * Engagement (click) per delivered message at an average allowed hour, one hour after the cart. Carts
 * are left in a customer's active hours, so a reminder an hour later meets about 1.8× this: the figures
 * are set so that e-mail sent an hour after the cart clicks at ~4 % and opens (with machine opens) at
 * ~45 %, as the benchmarks say, and SMS / WhatsApp keep their reported ~2.5× e-mail's click rate.
 */
  click: { email: 0.03, sms: 0.075, whatsapp: 0.09, push: 0.022 } satisfies Record<PersonChannel, number>,
  /** Share of customers reachable and consenting on each channel (everyone with a cart has e-mail). */
  reach: { email: 1, sms: 0.35, whatsapp: 0.15, push: 0.25 } satisfies Record<PersonChannel, number>,
  /** Human opens of an e-mail per delivered message at an average hour (clicks always open). */
  humanOpen: 0.1,
  /** Share of e-mail users whose mail client opens every message (privacy proxies). */
  machineOpenShare: 0.35,
  /** P(order | clicked) at no discount, population mean. */
  convGivenClick: 0.3,
  /** Reminder intent halves every this many hours after the cart was left. */
  intentHalfLifeHours: 16,
  /** Unsubscribe per message, before volume fatigue. */
  unsubscribe: { email: 0.002, sms: 0.008, whatsapp: 0.004, push: 0.003 } satisfies Record<PersonChannel, number>,
  /** Each message in the previous 7 days multiplies engagement by this and adds this share of unsubscribe risk. */
  volumeEngagementFatigue: 0.85,
  volumeUnsubscribeGrowth: 0.5,
  /** Each discount received in the last 90 days: base conversion conditioning and sensitivity fatigue. */
  discountConditioning: 0.93,
  discountSensitivityFatigue: 0.8,
  /** A discount's pull on clicks relative to its pull on conversion (a subject line with "15 % off"). */
  discountClickShare: 0.25,
  /** Minutes from click to order, mean. */
  orderDelayMeanMinutes: 90,
  marginRate: 0.4,
  basketMeanMinor: 8_000,
  /** Channel prices in minor units per message (the shop knows them: these are not hidden). */
  costMinor: { email: 0.1, sms: 5, whatsapp: 4, push: 0 } satisfies Record<PersonChannel, number>,
} as const;

/** Catalog categories and their price level relative to the mean basket. */
export const CATEGORIES = [
  { name: 'apparel', price: 0.9 },
  { name: 'shoes', price: 1.3 },
  { name: 'beauty', price: 0.5 },
  { name: 'home', price: 1.2 },
  { name: 'kitchen', price: 0.8 },
  { name: 'electronics', price: 2.0 },
  { name: 'sports', price: 1.1 },
  { name: 'toys', price: 0.7 },
] as const;
