import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import type { ModelMaintenanceInput } from '../workflows/model-maintenance.ts';
import type { RecsRetrainInput } from '../workflows/recs-retrain.ts';

export type RetrainCadence = 'daily' | 'weekly';

/** Our Temporal Schedules (ids are stable: this is create-or-update, safe on every worker start). */
export function scheduleDefinitions(taskQueue: string, retrain: RetrainCadence): ScheduleOptions[] {
  const maintenance = (scheduleId: string, input: ModelMaintenanceInput, calendar: ScheduleOptions['spec']) => ({
    scheduleId,
    spec: calendar,
    action: { type: 'startWorkflow' as const, workflowType: 'modelMaintenanceWorkflow', args: [input], taskQueue, workflowId: scheduleId },
    policies: { overlap: 'SKIP' as const, catchupWindow: '1 day' },
  });
  const weeklyOrDaily = (hour: number, minute: number) => (retrain === 'daily' ? { hour, minute } : { dayOfWeek: 'SUNDAY' as const, hour, minute });
  const recsInput: RecsRetrainInput = { version: 1 };
  return [
    // Time alone turns customers at-risk or lapsed: sweep stages every night.
    maintenance('nextbest-stage-sweep', { version: 1, refit: false }, { calendars: [{ hour: 3, minute: 15 }] }),
    maintenance('nextbest-model-retrain', { version: 1, refit: true }, { calendars: [weeklyOrDaily(2, 0)] }),
    // Each run retrains the recommender caches of the worker that picks it up (recs-store/README.md).
    {
      scheduleId: 'nextbest-recs-retrain',
      spec: { calendars: [weeklyOrDaily(2, 30)] },
      action: { type: 'startWorkflow' as const, workflowType: 'recsRetrainWorkflow', args: [recsInput], taskQueue, workflowId: 'nextbest-recs-retrain' },
      policies: { overlap: 'SKIP' as const, catchupWindow: '1 day' },
    },
    // Raw events past each shop's retention period (shops.event_retention_days) are removed nightly.
    {
      scheduleId: 'nextbest-event-retention',
      spec: { calendars: [{ hour: 3, minute: 45 }] },
      action: { type: 'startWorkflow' as const, workflowType: 'eventRetentionWorkflow', args: [], taskQueue, workflowId: 'nextbest-event-retention' },
      policies: { overlap: 'SKIP' as const, catchupWindow: '1 day' },
    },
  ];
}

export async function ensureSchedules(client: Client, taskQueue: string, retrain: RetrainCadence): Promise<string[]> {
  const ids: string[] = [];
  for (const options of scheduleDefinitions(taskQueue, retrain)) {
    try {
      await client.schedule.create(options);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action }));
    }
    ids.push(options.scheduleId);
  }
  return ids;
}
