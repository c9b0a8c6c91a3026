import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../scenario.ts';
import { runEngineSample } from './sample.ts';

describe('real-engine sample (time-skipping Temporal, real activities, ingest and outbox)', () => {
  it('matches the fast path cart by cart for the same seed', async () => {
    const comparisons = await runEngineSample(SCENARIOS.default!, 4, 12);
    expect(comparisons.length).toBeGreaterThan(5);
    if (process.env.SIM_DEBUG) console.log(JSON.stringify(comparisons.filter((c) => !c.agree), null, 1));
    // Every decision the product's decide activity made is the fast path's decision for the same cart.
    expect(comparisons.filter((c) => !c.decisionAgrees).map((c) => `${c.cartId}: ${c.why}`)).toEqual([]);
    // Every cart ends alike: each touch sent or not, when, on which channel at which tier, the order credited or not, and when.
    expect(comparisons.filter((c) => c.engine.sentAtMs !== null).length).toBeGreaterThan(0);
    // Second touches (a day later, discountable) went out and were compared too.
    expect(comparisons.filter((c) => c.engine.second?.sentAtMs != null).length).toBeGreaterThan(0);
    expect(comparisons.filter((c) => !c.agree).map((c) => `${c.cartId}: ${c.why}`)).toEqual([]);
    // Each customer's onboarding journey ran beside the cart's: no welcome went out while the cart journey
    // ran (it gave way), and some gave way.
    const welcomedDuringCart = comparisons.filter(({ engine: e }) => e.onboarding.sentAtMs !== null && (e.endedAtMs === null || e.onboarding.sentAtMs < e.endedAtMs));
    expect(welcomedDuringCart.map((c) => c.cartId)).toEqual([]);
    expect(comparisons.filter((c) => c.engine.onboarding.reason === 'yielded_to_cart').length).toBeGreaterThan(0);
  }, 300_000);
});
