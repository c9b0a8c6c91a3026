import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { searchAttributeKeys } from '../workflows/search-attributes.ts';

const UNIMPLEMENTED = 12;
// @temporalio/proto is CommonJS: under Node's ESM loader (npm run worker via tsx) only its default export exists.
const { temporal } = proto;
const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Registers our custom search attributes on a namespace if they are missing (idempotent), so the
 * Temporal UI can filter journeys by shop, customer, journey, state, variant and channel.
 */
export async function ensureSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<void> {
  let registered: Record<string, unknown> = {};
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (error) {
    // Temporal's time-skipping test server can add search attributes but cannot list them.
    if ((error as { code?: number }).code !== UNIMPLEMENTED) throw error;
  }
  const missing = searchAttributeKeys.filter((k) => !(k.name in registered));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, KEYWORD])),
  });
}
