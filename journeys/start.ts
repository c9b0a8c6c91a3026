import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { SignalDefinition } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { customers, journeys } from '../db/schema.ts';
import { journeyWorkflowId } from '../workflows/ids.ts';
import { NbCustomer, NbJourney, NbShop, NbStage, NbState } from '../workflows/search-attributes.ts';
import { journeyTriggeredSignal } from '../workflows/signals.ts';
import type { JourneyName, TriggeredSignal } from '../workflows/types.ts';
import type { JourneyClientDeps } from './deps.ts';

/** Temporal's workflow type for each journey. */
export const JOURNEY_WORKFLOW: Record<JourneyName, string> = {
  'cart-abandon': 'cartAbandonJourney',
  'browse-abandon': 'browseAbandonJourney',
  onboarding: 'onboardingJourney',
  'cross-sell': 'crossSellJourney',
  clearance: 'clearanceJourney',
  'win-back': 'winBackJourney',
};

export interface JourneyStart<Input, Payload> {
  journey: JourneyName;
  shopId: string;
  customerId: string;
  triggerKey: string;
  input: Input;
  /**
   * What a journey with the same ID that already ended means. A running one is always signalled,
   * never started twice (signalWithStart); a finished one is restarted only if this policy allows.
   */
  reusePolicy: WorkflowIdReusePolicy;
  /** Delivered to the journey whether it was started now or already running; default `triggered`. */
  signal?: { definition: SignalDefinition<[Payload]>; payload: Payload };
}

/** A journey row as the customer's running journeys are looked up. */
export interface RunningJourney {
  workflowId: string;
  journey: JourneyName;
  triggerKey: string;
}

/** A journey row to write once its workflow was started (or signalled) in Temporal. */
export interface StartedJourney {
  workflowId: string;
  shopId: string;
  customerId: string;
  journey: JourneyName;
  triggerKey: string;
}

/**
 * A group of triggers fired together (one round of the outbox dispatcher): the customers' stages and
 * running journeys read for all of them in one statement before firing, and the journey rows of what
 * was started written in one statement after (journeys/outbox-dispatcher.ts). Without it each start
 * and signal reads and writes its own rows.
 */
export interface FireRound {
  /** The customer's lifecycle stage; undefined when the shop does not hold the customer. */
  stageOf(shopId: string, customerId: string): string | undefined;
  runningOf(shopId: string, customerId: string): RunningJourney[];
  started: StartedJourney[];
}

/**
 * Starts a journey or signals the one already running under its ID. Returns the workflow ID, or null
 * when the reuse policy refused a new run (the journey already happened for this trigger).
 */
export async function startJourney<Input, Payload = TriggeredSignal>(deps: JourneyClientDeps, start: JourneyStart<Input, Payload>, round?: FireRound): Promise<string | null> {
  const workflowId = journeyWorkflowId(start.journey, start.shopId, start.customerId, start.triggerKey);
  const [customer] = round ? [{ stage: round.stageOf(start.shopId, start.customerId) }] : await deps.database.db.select({ stage: customers.stage }).from(customers)
    .where(and(eq(customers.shopId, start.shopId), eq(customers.id, start.customerId)));
  const triggered: TriggeredSignal = { version: 1, triggerKey: start.triggerKey, at: new Date().toISOString() };
  const signal = (start.signal ?? { definition: journeyTriggeredSignal, payload: triggered }) as { definition: SignalDefinition<[unknown]>; payload: unknown };
  try {
    await deps.temporal.workflow.signalWithStart(JOURNEY_WORKFLOW[start.journey], {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [start.input],
      signal: signal.definition,
      signalArgs: [signal.payload],
      workflowIdReusePolicy: start.reusePolicy,
      typedSearchAttributes: [
        { key: NbJourney, value: start.journey },
        { key: NbShop, value: start.shopId },
        { key: NbCustomer, value: start.customerId },
        { key: NbStage, value: customer?.stage ?? 'unknown' },
        { key: NbState, value: 'waiting' },
      ],
    });
  } catch (error) {
    if ((error as Error).name === 'WorkflowExecutionAlreadyStartedError') return null;
    throw error;
  }
  const row: StartedJourney = { workflowId, shopId: start.shopId, customerId: start.customerId, journey: start.journey, triggerKey: start.triggerKey };
  if (round) round.started.push(row);
  else await deps.database.db.insert(journeys).values(row).onConflictDoNothing();
  deps.metrics.journeysStarted.inc({ journey: start.journey, signal: signal.definition.name });
  return workflowId;
}

export { WorkflowIdReusePolicy };
