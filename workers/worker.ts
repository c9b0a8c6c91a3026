import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { ChannelSender } from '../channels/types.ts';
import type { Channel } from '../workflows/types.ts';
import { workflowBundle } from './bundle.ts';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  senders?: Partial<Record<Channel, ChannelSender>>;
}

/** The one worker that runs every journey workflow and its activities. */
export async function createJourneyWorker(options: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(options.deps.logger),
    activities: createActivities(options.deps, options.senders),
  });
}
