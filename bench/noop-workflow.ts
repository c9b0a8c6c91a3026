import { sleep } from '@temporalio/workflow';

// The baseline for bench:journeys: a workflow that does nothing, so its rate is what the server and
// one worker manage for the bare start → task → complete cycle.
export async function noopWorkflow(): Promise<string> {
  return 'done';
}

// The ceiling for a journey that must wait out an attribution window: a workflow that only sleeps once
// (start → task → timer → task → complete), with no activity and no search attribute.
export async function sleepOnceWorkflow(ms: number): Promise<string> {
  await sleep(ms);
  return 'done';
}
