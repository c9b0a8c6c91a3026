import { describe, expect, it } from 'vitest';
import { creditFor, type Touch } from './rules.ts';
import { attributionSettings } from './settings.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const placed = new Date('2026-03-10T12:00:00Z');
const ago = (ms: number) => new Date(placed.getTime() - ms);
const touch = (id: string, over: Partial<Touch> = {}): Touch => ({ dispatchId: id, provider: 'resend', sentAt: ago(6 * DAY), opens: [], clicks: [], ...over });
const defaults = attributionSettings({}); // click 5 d, open 1 d, machine opens excluded, untracked sends 5 d

describe('attribution windows', () => {
  it('credits a click exactly at the edge of the click window, and not one millisecond before', () => {
    expect(creditFor(placed, [touch('a', { clicks: [ago(5 * DAY)] })], defaults)).toMatchObject({ dispatchId: 'a', rule: 'click' });
    expect(creditFor(placed, [touch('a', { clicks: [ago(5 * DAY + 1)] })], defaults)).toBeNull();
  });

  it('credits an open exactly at the edge of the open window, and not one millisecond before', () => {
    expect(creditFor(placed, [touch('a', { opens: [{ at: ago(DAY), machine: false }] })], defaults)).toMatchObject({ rule: 'open' });
    expect(creditFor(placed, [touch('a', { opens: [{ at: ago(DAY + 1), machine: false }] })], defaults)).toBeNull();
  });

  it('never credits engagement after the order', () => {
    expect(creditFor(placed, [touch('a', { clicks: [new Date(placed.getTime() + 1)] })], defaults)).toBeNull();
    expect(creditFor(placed, [touch('a', { clicks: [placed] })], defaults)).toMatchObject({ dispatchId: 'a' });
  });

  it('prefers the last click over a later open, and the last click among several', () => {
    const touches = [
      touch('early-click', { clicks: [ago(3 * DAY)] }),
      touch('late-click', { clicks: [ago(2 * DAY)] }),
      touch('opened', { opens: [{ at: ago(HOUR), machine: false }] }),
    ];
    expect(creditFor(placed, touches, defaults)).toMatchObject({ dispatchId: 'late-click', rule: 'click', touchAt: ago(2 * DAY) });
  });

  it('ignores machine opens unless the shop counts them', () => {
    const touches = [touch('mpp', { opens: [{ at: ago(HOUR), machine: true }] })];
    expect(creditFor(placed, touches, defaults)).toBeNull();
    expect(creditFor(placed, touches, attributionSettings({ excludeMachineOpens: false }))).toMatchObject({ dispatchId: 'mpp', rule: 'open' });
  });

  it('uses per-shop windows', () => {
    const settings = attributionSettings({ clickWindowDays: 1, openWindowDays: 0 });
    expect(creditFor(placed, [touch('a', { clicks: [ago(2 * DAY)] })], settings)).toBeNull();
    expect(creditFor(placed, [touch('a', { opens: [{ at: ago(HOUR), machine: false }] })], settings)).toBeNull();
  });

  it('credits a send through a provider that cannot report engagement, within its window', () => {
    expect(creditFor(placed, [touch('o', { provider: 'outbox', sentAt: ago(5 * DAY) })], defaults)).toMatchObject({ rule: 'send' });
    expect(creditFor(placed, [touch('o', { provider: 'outbox', sentAt: ago(5 * DAY + 1) })], defaults)).toBeNull();
    expect(creditFor(placed, [touch('r', { sentAt: ago(HOUR) })], defaults)).toBeNull();
    expect(creditFor(placed, [touch('o', { provider: 'outbox', sentAt: ago(HOUR) })], attributionSettings({ untrackedSendWindowDays: 0 }))).toBeNull();
  });

  it('falls back to the defaults when a shop setting is broken', () => {
    expect(attributionSettings({ clickWindowDays: 'five' })).toEqual(defaults);
  });
});
