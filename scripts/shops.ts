import { eq } from 'drizzle-orm';
import { apiKeys, shops } from '../db/schema.ts';
import { createApiKey, type Scope } from '../lib/api-keys.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';

const HELP = `npm run shops -- <command> [options] — manage shops and their API keys

Commands
  create <shop-id> --name <name> --currency <ISO 4217> [--timezone <IANA>] [--margin <0..1>]
                 creates a shop and prints an admin API key (shown once)
  key <shop-id> [--scopes ingest,read,admin] [--label <text>]
                 creates another API key for the shop and prints it (shown once)
  list           lists shops with their number of active keys

Works on the database the configuration names: DATABASE_URL, or the embedded one in DATA_DIR
(stop a running "npm start" first: the embedded database belongs to one process at a time).`;

const SCOPES: Scope[] = ['ingest', 'read', 'admin'];

runCli(HELP, async (argv) => {
  const { positionals, values } = parseOptions(argv, {
    name: { type: 'string' },
    currency: { type: 'string' },
    timezone: { type: 'string', default: 'UTC' },
    margin: { type: 'string', default: '0.4' },
    scopes: { type: 'string', default: 'admin' },
    label: { type: 'string' },
  });
  const [command, shopId] = positionals;
  const database = await openDatabase();
  try {
    const { db } = database;
    if (command === 'list') {
      const rows = await db.select().from(shops);
      for (const shop of rows) {
        const keys = (await db.select().from(apiKeys).where(eq(apiKeys.shopId, shop.id))).filter((k) => !k.revokedAt).length;
        console.log(`${shop.id}\t${shop.name}\t${shop.currency}\t${shop.timezone}\t${keys} key(s)`);
      }
      return;
    }
    if (!shopId || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(shopId)) throw new UsageError('give a shop id of 2–63 lower-case letters, digits and dashes');
    if (command === 'create') {
      if (!values.name) throw new UsageError('--name is required');
      if (!values.currency || !/^[A-Z]{3}$/.test(values.currency)) throw new UsageError('--currency must be an ISO 4217 code such as EUR');
      try {
        new Intl.DateTimeFormat('en', { timeZone: values.timezone });
      } catch {
        throw new UsageError(`--timezone "${values.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
      }
      const margin = Number(values.margin);
      if (!(margin > 0 && margin < 1)) throw new UsageError('--margin must be a share between 0 and 1, e.g. 0.4');
      const created = await db
        .insert(shops)
        .values({ id: shopId, name: values.name, currency: values.currency, timezone: values.timezone!, settings: { marginRate: margin } })
        .onConflictDoNothing()
        .returning();
      if (created.length === 0) throw new UsageError(`shop ${shopId} exists already; use "key ${shopId}" for another key`);
      console.log(`created shop ${shopId}\nadmin API key (shown once): ${await createApiKey(db, shopId, ['admin'], 'created with the shop')}`);
      return;
    }
    if (command === 'key') {
      const scopes = values.scopes!.split(',').map((s) => s.trim()) as Scope[];
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length) throw new UsageError(`unknown scope(s) ${unknown.join(', ')}; choose from ${SCOPES.join(', ')}`);
      const [shop] = await db.select().from(shops).where(eq(shops.id, shopId));
      if (!shop) throw new UsageError(`no shop ${shopId}; create it first`);
      console.log(`API key for ${shopId} with ${scopes.join(', ')} (shown once): ${await createApiKey(db, shopId, scopes, values.label)}`);
      return;
    }
    throw new UsageError(`unknown command "${command}"`);
  } finally {
    await database.close();
  }
});
