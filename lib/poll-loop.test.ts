import { describe, expect, it } from 'vitest';
import { startPollLoop } from './poll-loop.ts';

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('startPollLoop', () => {
  it('runs back to back while there is work, pauses otherwise, and a wake-up ends the pause', async () => {
    let rounds = 0;
    const loop = startPollLoop(async () => (++rounds < 3 ? 0 : 60_000), () => {});
    await tick();
    expect(rounds).toBe(3);
    loop.wake();
    await tick();
    expect(rounds).toBe(4);
    await loop.stop();
  });

  it('skips the pause when woken during a round, so work queued meanwhile is not left for the next poll', async () => {
    let rounds = 0;
    let release: () => void = () => {};
    const loop = startPollLoop(async () => {
      rounds++;
      if (rounds === 1) await new Promise<void>((r) => { release = r; });
      return 60_000;
    }, () => {});
    await tick();
    loop.wake();
    release();
    await tick();
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('reports a failed round and tries again after the error pause; stop ends a pause at once', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const loop = startPollLoop(async () => {
      if (++rounds === 1) throw new Error('database away');
      return 60_000;
    }, (e) => errors.push(e), 10);
    await tick(50);
    expect(errors).toHaveLength(1);
    expect(rounds).toBe(2);
    const t0 = Date.now();
    await loop.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
