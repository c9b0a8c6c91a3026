// Runs seeds in a worker thread for the CLI: one seed per message, the result posted back.
import { parentPort } from 'node:worker_threads';
import { runSeed, type ExperimentOptions } from './experiment.ts';
import type { Scenario } from './scenario.ts';

parentPort?.on('message', (m: { scenario: Scenario; seed: number; options: ExperimentOptions }) => {
  parentPort?.postMessage(runSeed(m.scenario, m.seed, m.options));
});
