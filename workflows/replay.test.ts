import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../workers/bundle.ts';
import { committedHistories } from '../test/histories.ts';

// Every committed history must replay on today's workflow code. A change that alters the commands a
// running journey already issued (without a patched() gate) fails here, before it reaches a worker.
describe('replay of committed journey histories', () => {
  const histories = committedHistories();

  it('has histories of every journey to check', () => {
    const types = new Set(histories.map((h) => h.history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
    expect([...types].sort()).toEqual(
      ['browseAbandonJourney', 'cartAbandonJourney', 'clearanceCampaign', 'clearanceJourney', 'crossSellJourney', 'onboardingJourney', 'winBackJourney'],
    );
  });

  it.each(histories.map((h) => [h.name, h] as const))('replays %s', async (_name, { workflowId, history }) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });
});
