import { join } from 'node:path';
import { FileAudienceAdapter, WebhookAudienceAdapter, postSigned, syncAudience, type AdPlatform } from '../channels/audiences.ts';
import { bidMultipliers, writeBidFile } from '../channels/bids.ts';
import { parseConfig } from '../lib/config.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';

const HELP = `npm run audiences -- <command> [options] — paid-social audiences and ad bid multipliers.

  sync --shop <id> --segment <name> --stages <stage,…> --platform meta|google [--out <dir>] [--webhook <url>]
      Uploads the changes since the last sync of a segment (customers in those lifecycle stages with
      e-mail consent): normalised, SHA-256-hashed e-mail and phone. Files go to --out (default
      DATA_DIR/audiences): Meta custom-audience payloads (.json) or Google Customer Match CSV.
      With --webhook the change is POSTed as JSON signed with AD_WEBHOOK_SECRET.
  bids --shop <id> [--days <n>] [--out <file>] [--webhook <url>]
      Bid multipliers per lifecycle segment from the last n days (default 90) of sends and
      conversions, as CSV (default DATA_DIR/audiences/<shop>-bids.csv) and/or a signed webhook.`;

runCli(HELP, async (argv) => {
  const { values, positionals } = parseOptions(argv, {
    shop: { type: 'string' }, segment: { type: 'string' }, stages: { type: 'string' }, platform: { type: 'string' },
    out: { type: 'string' }, webhook: { type: 'string' }, days: { type: 'string' },
  });
  const command = positionals[0];
  if (command !== 'sync' && command !== 'bids') throw new UsageError('the command is "sync" or "bids"');
  if (!values.shop) throw new UsageError('--shop is required');
  const config = parseConfig();
  if (values.webhook && !config.AD_WEBHOOK_SECRET) throw new UsageError('--webhook needs AD_WEBHOOK_SECRET (32+ characters) to sign the request');
  const database = await openDatabase(config);
  try {
    if (command === 'sync') {
      const platform = values.platform as AdPlatform;
      if (platform !== 'meta' && platform !== 'google') throw new UsageError('--platform must be meta or google');
      if (!values.segment || !values.stages) throw new UsageError('sync needs --segment and --stages');
      const adapter = values.webhook
        ? new WebhookAudienceAdapter(values.webhook, config.AD_WEBHOOK_SECRET!)
        : new FileAudienceAdapter(values.out ?? join(config.DATA_DIR, 'audiences'));
      const cipher = new PiiCipher(piiKey(config));
      const result = await syncAudience(database.db, cipher, { shopId: values.shop, segment: values.segment, stages: values.stages.split(','), platform }, adapter);
      console.log(`${values.segment} (${platform}): ${result.adds} added, ${result.removes} removed`);
      for (const file of result.files) console.log(`  ${file}`);
    } else {
      const days = Number(values.days ?? 90);
      if (!Number.isInteger(days) || days <= 0) throw new UsageError('--days must be a positive whole number');
      const bids = await bidMultipliers(database.db, values.shop, new Date(Date.now() - days * 86_400_000));
      if (values.webhook) await postSigned(values.webhook, config.AD_WEBHOOK_SECRET!, { type: 'bids.updated', shopId: values.shop, bids });
      if (values.out || !values.webhook) {
        const out = values.out ?? join(config.DATA_DIR, 'audiences', `${values.shop}-bids.csv`);
        await writeBidFile(out, bids);
        console.log(`wrote ${out}`);
      }
      for (const b of bids) console.log(`  ${b.segment}: ×${b.multiplier} (${b.conversions}/${b.sends} converted)`);
    }
  } finally {
    await database.close();
  }
});
