// CPU cost of decideAction for a realistic cart-abandon step: four channels with history, three
// contents (one discountable), a two-day window. Run: npx tsx models/decide.bench.ts
// Performance claims about decide belong here, never in timed unit tests.

import { decideAction, type DecideInput } from './decide.ts';
import { defaultShopModelState, newCustomerModelState, newDiscountSegmentState } from './state.ts';
import { PERSON_CHANNELS } from './types.ts';

const now = '2025-06-10T09:00:00Z';
const customer = newCustomerModelState('America/New_York', now);
for (const [i, channel] of PERSON_CHANNELS.entries()) {
  customer.channels[channel] = { successes: i + 1, failures: 10 - i, asOf: '2025-06-01T00:00:00Z' };
  customer.sendTime[channel] = { hours: { '42': 3, '66': 1, '110': 2 }, asOf: '2025-06-01T00:00:00Z' };
}
const discount = newDiscountSegmentState('cart:active', now);
discount.tiers = discount.tiers.map((t, i) => ({ ...t, successes: 5 + 2 * i, failures: 95 - 2 * i }));

const input = (seed: number, draws?: number): DecideInput => ({
  customer,
  shop: defaultShopModelState(),
  discount,
  consents: [...PERSON_CHANNELS],
  reachable: [...PERSON_CHANNELS],
  contents: [{ type: 'cart_reminder' }, { type: 'related_items', weight: 0.8 }, { type: 'cart_offer', allowsDiscount: true }],
  window: { earliest: now, latest: '2025-06-12T09:00:00Z' },
  basketValueMinor: 8_000,
  marginRate: 0.4,
  now,
  seed,
  urgencyHalfLifeHours: 24,
  propensityDraws: draws,
});

for (const draws of [200, 100]) {
  const n = 20_000;
  for (let i = 0; i < 2_000; i++) decideAction(input(i, draws)); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) decideAction(input(i, draws));
  const used = process.cpuUsage(start);
  const perDecisionUs = (used.user + used.system) / n;
  console.log(`propensityDraws=${draws}: ${perDecisionUs.toFixed(1)} µs CPU per decision (${Math.round(1e6 / perDecisionUs)} decisions/s per core)`);
}
