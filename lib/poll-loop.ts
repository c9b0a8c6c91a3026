// The background loops of a process (the trigger outbox dispatcher, the ingest queue processor) share
// one shape: a round, then the next one at once while there is work, otherwise after a pause that a
// wake-up or stop ends early. A failed round (the database away) is reported and retried after a
// longer pause; it never ends the loop.

export interface PollLoop {
  /** Starts the next round now: ends the pause, or skips it if a round is running. */
  wake(): void;
  /** Finishes the round in flight and stops. */
  stop(): Promise<void>;
}

/**
 * Runs `round` until stopped. It returns how long to pause before the next round (0: at once);
 * `onError` hears of a round that threw, and the loop pauses max(errorPauseMs, …) before trying again.
 */
export function startPollLoop(round: () => Promise<number>, onError: (error: unknown) => void, errorPauseMs = 1_000): PollLoop {
  let stopping = false;
  let woken = false;
  let endPause: (() => void) | null = null;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => { endPause = null; resolve(); }, ms);
    endPause = () => { clearTimeout(timer); endPause = null; resolve(); };
  });
  const loop = (async () => {
    while (!stopping) {
      woken = false;
      let wait: number;
      try {
        wait = await round();
      } catch (error) {
        onError(error);
        wait = errorPauseMs;
      }
      if (wait > 0 && !woken && !stopping) await pause(wait);
    }
  })();
  return {
    wake() {
      woken = true;
      (endPause as (() => void) | null)?.();
    },
    async stop() {
      stopping = true;
      (endPause as (() => void) | null)?.();
      await loop;
    },
  };
}
