// The baseline for bench:journeys: a workflow that does nothing, so its rate is what the server and
// one worker manage for the bare start → task → complete cycle.
export async function noopWorkflow(): Promise<string> {
  return 'done';
}
