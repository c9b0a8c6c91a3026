import { Client, Connection } from '@temporalio/client';
import { parseConfig, type Config } from '../lib/config.ts';

/** A Temporal client for the CLIs: TEMPORAL_ADDRESS, or the embedded dev server `npm start` runs. */
export async function connectTemporal(config: Config = parseConfig()): Promise<{ client: Client; config: Config; close(): Promise<void> }> {
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 3000 });
    await connection.workflowService.getSystemInfo({});
  } catch (error) {
    throw new Error(`cannot reach Temporal at ${address} (${(error as Error).message}). Start nextbest with "npm start", or set TEMPORAL_ADDRESS to your cluster.`);
  }
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), config, close: () => connection.close() };
}

/** A one-line progress bar on stderr (stdout stays clean for piping); plain lines when not a terminal. */
export function progressBar(label: string, total: number): { update(done: number, note?: string): void; end(): void } {
  const tty = process.stderr.isTTY;
  let last = -1;
  const render = (done: number, note = '') => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * 30);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${done}/${total} ${note}`.trimEnd();
  };
  return {
    update(done, note) {
      if (tty) process.stderr.write(`\r${render(done, note)}\x1b[K`);
      else if (Math.floor((done / Math.max(total, 1)) * 10) !== last) {
        last = Math.floor((done / Math.max(total, 1)) * 10);
        process.stderr.write(`${render(done, note)}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** A Temporal visibility query from filters on our search attributes; values are quoted safely. */
export function journeyQuery(filters: { journey?: string; shop?: string; customer?: string; state?: string; running?: boolean }): string {
  const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
  const parts: string[] = [];
  if (filters.journey) parts.push(`NbJourney = ${quote(filters.journey)}`);
  if (filters.shop) parts.push(`NbShop = ${quote(filters.shop)}`);
  if (filters.customer) parts.push(`NbCustomer = ${quote(filters.customer)}`);
  if (filters.state) parts.push(`NbState = ${quote(filters.state)}`);
  if (filters.running) parts.push(`ExecutionStatus = "Running"`);
  if (!filters.journey) parts.push(`NbJourney != "clearance-campaign"`);
  return parts.join(' AND ');
}
