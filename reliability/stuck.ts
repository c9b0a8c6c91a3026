import type { Client } from '@temporalio/client';
import type { JourneyStatusView } from '../workflows/types.ts';
import { bump, tallyText, type Tally } from './load.ts';

// Where the journeys that have not finished are, from Temporal itself: the journey's own state (its
// journeyStatus query: deciding, sleeping until when, sending, awaiting conversion until when) and the
// activities it is waiting on (type, attempt, last failure). A run that does not finish says why.

export interface StuckReport {
  /** One line per finding, most frequent first. */
  lines: string[];
  states: Tally;
  pending: Tally;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function describeStuck(temporal: Client, ids: string[], sample = 200): Promise<StuckReport> {
  const states: Tally = new Map();
  const pending: Tally = new Map();
  const failures: Tally = new Map();
  const now = Date.now();
  const picked = ids.slice(0, sample);
  for (let i = 0; i < picked.length; i += 20) {
    await Promise.all(picked.slice(i, i + 20).map(async (id) => {
      const handle = temporal.workflow.getHandle(id);
      const described = await handle.describe().catch(() => null);
      if (!described) return bump(states, 'describe_failed');
      const status = await Promise.race([
        handle.query<JourneyStatusView>('journeyStatus').catch(() => null),
        sleep(5_000).then(() => null),
      ]);
      if (!status) bump(states, 'query_unanswered');
      else {
        const at = status.nextStepAt ? Date.parse(status.nextStepAt) : NaN;
        const when = Number.isNaN(at) ? '' : at < now ? `(overdue ${Math.round((now - at) / 1000)}s)` : `(in ${Math.round((at - now) / 1000)}s)`;
        bump(states, `${status.state}${status.state === 'sleeping' || status.state === 'awaiting-conversion' ? bucket(when) : ''}`);
      }
      for (const a of described.raw.pendingActivities ?? []) {
        const name = a.activityType?.name ?? '?';
        bump(pending, `${name}#attempt${Number(a.attempt ?? 1) > 3 ? '>3' : String(a.attempt ?? 1)}`);
        const message = a.lastFailure?.message;
        if (message) bump(failures, `${name}: ${message.slice(0, 80)}`);
      }
      if ((described.raw.pendingActivities ?? []).length === 0) bump(pending, 'none');
    }));
  }
  const top = (t: Tally) => [...t.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${v}× ${k}`).join('; ') || '-';
  return {
    states,
    pending,
    lines: [
      `journeys not finished: ${ids.length}, looked at ${picked.length}: states ${tallyText(states)}`,
      `pending activities ${tallyText(pending)}`,
      `last activity failures: ${top(failures)}`,
    ],
  };
}

/** "(overdue 312s)" → " overdue>60s" and the like: coarse enough to tally. */
function bucket(when: string): string {
  const m = /\((overdue|in) (\d+)s\)/.exec(when);
  if (!m) return '';
  const s = Number(m[2]);
  const b = s < 10 ? '<10s' : s < 60 ? '<60s' : s < 600 ? '<10min' : '>=10min';
  return ` ${m[1]}${b}`;
}
