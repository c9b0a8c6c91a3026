import { Client, Connection } from '@temporalio/client';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { parseConfig } from '../lib/config.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';
import { collectCustomerData, findCustomer } from '../privacy/customer-data.ts';
import { eraseCustomer } from '../privacy/erase.ts';

const HELP = `npm run erase -- --shop <shop> (--customer <cus_…> | --email <address>) [--export]

Erases a customer on request: cancels their running journeys, then deletes their contact details,
consents, events, carts, orders, journeys, messages and audience memberships. With --export it
prints everything held about them as JSON instead and changes nothing.
Uses DATABASE_URL (else the embedded PGlite in DATA_DIR) and TEMPORAL_ADDRESS (else the embedded
dev server on 127.0.0.1:TEMPORAL_PORT).`;

runCli(HELP, async (argv) => {
  const { values } = parseOptions(argv, { shop: { type: 'string' }, customer: { type: 'string' }, email: { type: 'string' }, export: { type: 'boolean', default: false } });
  if (!values.shop || (!values.customer && !values.email)) throw new UsageError('name the shop and the customer (--customer or --email)');
  const config = parseConfig();
  const cipher = new PiiCipher(piiKey(config));
  const database = await openDatabase(config);
  try {
    const customerId = await findCustomer(database.db, cipher, values.shop, values.customer ? { customerId: values.customer } : { email: values.email! });
    if (!customerId) throw new UsageError(`shop "${values.shop}" has no such customer`);
    if (values.export) return console.log(JSON.stringify(await collectCustomerData(database.db, cipher, values.shop, customerId), null, 2));
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}` });
    try {
      const result = await eraseCustomer({ database, cipher, temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }) }, values.shop, customerId);
      const rows = Object.entries(result.rowsRemoved).filter(([, n]) => n > 0).map(([t, n]) => `${t}:${n}`).join(' ');
      console.log(`erased ${customerId}: journeys cancelled ${result.journeysCancelled.length}; rows removed ${rows || 'none'}`);
    } finally {
      await connection.close();
    }
  } finally {
    await database.close();
  }
});
