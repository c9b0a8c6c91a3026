import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from '../lib/logger.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process; every worker in the process shares the bundle. */
export function workflowBundle(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  cached ??= bundleWorkflowCode({
    workflowsPath,
    logger: quietLogger(logger),
  });
  return cached;
}

function quietLogger(logger?: Logger) {
  return {
    log: () => {},
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (message: string, meta?: Record<string, unknown>) => logger?.warn(meta ?? {}, message),
    error: (message: string, meta?: Record<string, unknown>) => logger?.error(meta ?? {}, message),
  };
}
