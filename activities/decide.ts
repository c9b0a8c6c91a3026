import { and, eq } from 'drizzle-orm';
import { decisions } from '../db/schema.ts';
import { nextAllowedInstant } from '../lib/local-time.ts';
import type { Channel, DecideRequest, Decision } from '../workflows/types.ts';
import { loadCustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

const CHANNEL_ORDER: Channel[] = ['email', 'sms', 'whatsapp'];

/**
 * Chooses channel, send instant and discount for one journey step and stores the choice. A retry
 * (or a replayed workflow) gets the stored decision back, so a step is decided exactly once.
 */
export function createDecide(deps: ActivityDeps) {
  return async function decide(request: DecideRequest): Promise<Decision> {
    const { db } = deps.database;
    const [stored] = await db
      .select({ decision: decisions.decision })
      .from(decisions)
      .where(and(eq(decisions.workflowId, request.workflowId), eq(decisions.step, request.step)));
    if (stored) return stored.decision as unknown as Decision;

    const context = await loadCustomerContext(db, request.shopId, request.customerId);
    const channel = CHANNEL_ORDER.find((c) => context.consent[c] === true && context.reachable.includes(c)) ?? null;
    const earliest = new Date(request.earliest);
    const ideal = nextAllowedInstant(earliest, context.timezone, context.quietStartMinute, context.quietEndMinute);
    // Demo mode compresses the wait, not the rule: the send still happens outside quiet hours in
    // scaled time, and the re-check before sending applies the real rule.
    const sendAt = new Date(earliest.getTime() + (ideal.getTime() - earliest.getTime()) * deps.timeScale);
    const withinWindow = sendAt.getTime() <= Date.parse(request.latest);
    const decision: Decision = {
      action: channel && withinWindow ? 'send' : 'none',
      channel,
      contentType: request.contentType,
      sendAt: sendAt.toISOString(),
      discountTier: 0,
      variant: null,
      propensities: { channel: 1, sendAt: 1, discountTier: 1 },
      productIds: request.productIds,
      reason: !channel ? 'unreachable' : withinWindow ? null : 'no_send_time',
    };
    await db
      .insert(decisions)
      .values({ shopId: request.shopId, customerId: request.customerId, workflowId: request.workflowId, step: request.step, decision: { ...decision } })
      .onConflictDoNothing();
    const [winner] = await db
      .select({ decision: decisions.decision })
      .from(decisions)
      .where(and(eq(decisions.workflowId, request.workflowId), eq(decisions.step, request.step)));
    return (winner?.decision as unknown as Decision | undefined) ?? decision;
  };
}
