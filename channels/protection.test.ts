import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedShop } from '../test/fixtures.ts';
import { takeFrequencySlot, takeThrottleToken } from './protection.ts';

describe('protection rules in the database', () => {
  let database: Database;
  let shopId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    shopId = await seedShop(database, 'shop-protection');
  });
  afterAll(() => database?.close());

  it('lets a provider throttle pass exactly its rate in one instant, then refills with time', async () => {
    const now = new Date('2026-06-15T10:00:00Z');
    const take = (at: Date) => takeThrottleToken(database.db, { shopId, provider: 'resend', ratePerSecond: 5, now: at });
    const waits = await Promise.all(Array.from({ length: 12 }, () => take(now)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    for (const w of waits.filter((w) => w > 0)) expect(w).toBeGreaterThan(0);
    expect(await take(new Date(now.getTime() + 200))).toBe(0);
    expect(await take(new Date(now.getTime() + 200))).toBeGreaterThan(0);
    const later = await Promise.all(Array.from({ length: 8 }, () => take(new Date(now.getTime() + 10_000))));
    expect(later.filter((w) => w === 0)).toHaveLength(5);
  });

  it('gives one frequency slot per window to concurrent dispatches, and the holder may retry', async () => {
    const at = new Date('2026-06-15T10:00:00Z');
    const slot = (dispatchId: string, when = at) => takeFrequencySlot(database.db, { shopId, customerId: 'cus_x', channel: 'sms', dispatchId, at: when, capMs: 24 * 3_600_000 });
    const results = await Promise.all(['d1', 'd2', 'd3', 'd4'].map((d) => slot(d)));
    const winners = results.filter((r) => r === null);
    expect(winners).toHaveLength(1);
    const winner = ['d1', 'd2', 'd3', 'd4'][results.indexOf(null)]!;
    expect(await slot(winner)).toBeNull();
    expect(await slot('d5', new Date(at.getTime() + 23 * 3_600_000))).toEqual(new Date(at.getTime() + 24 * 3_600_000));
    expect(await slot('d6', new Date(at.getTime() + 24 * 3_600_000))).toBeNull();
  });
});
