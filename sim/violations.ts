// Independent check of every send the journey made: inside the customer's local quiet hours, or closer
// than the channel's frequency cap to the previous send on that channel. Uses its own clock (clock.ts),
// not the re-check's, so a bug in either shows up here. Must always come out 0.

import { FREQUENCY_CAP_MS } from '../activities/recheck.ts';
import { inQuiet, wallClock } from './clock.ts';
import { SHOP_QUIET } from './journey.ts';
import type { SendRecord } from './run.ts';
import type { World } from './world.ts';

export type Violation = { kind: 'quiet_hours' | 'frequency_cap'; cartId: string; atMs: number };

export function findViolations(world: World, sends: readonly SendRecord[]): Violation[] {
  const out: Violation[] = [];
  const byKey = new Map<string, SendRecord[]>();
  for (const s of sends) {
    const zone = world.customers[s.customer]!.timeZone;
    if (inQuiet(wallClock(zone, s.atMs).minuteOfDay, SHOP_QUIET.startMinute, SHOP_QUIET.endMinute)) out.push({ kind: 'quiet_hours', cartId: s.cartId, atMs: s.atMs });
    const key = `${s.customer}|${s.channel}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  for (const list of byKey.values()) {
    list.sort((a, b) => a.atMs - b.atMs);
    const cap = FREQUENCY_CAP_MS[list[0]!.channel];
    if (!cap) continue;
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.atMs - list[i - 1]!.atMs < cap) out.push({ kind: 'frequency_cap', cartId: list[i]!.cartId, atMs: list[i]!.atMs });
    }
  }
  return out;
}
