import { join } from 'node:path';
import { LinkSigner, linkSecret } from '../channels/links.ts';
import { customerInput, sampleInput, writePreview } from '../channels/preview.ts';
import { parseConfig } from '../lib/config.ts';
import { openDatabase, parseOptions, runCli, UsageError } from '../lib/cli.ts';
import { PiiCipher } from '../lib/pii.ts';
import { piiKey } from '../lib/pii-key.ts';
import { CONTENT_TYPES, COPY_STYLES, isContentType } from '../templates/copy.ts';
import type { Channel } from '../workflows/types.ts';

const HELP = `npm run preview -- --content <type> [options] — renders a message template to files.

  --content <type>      ${CONTENT_TYPES.join(' | ')}
  --style <style>       copy style: ${COPY_STYLES.join(' | ')} (default ${COPY_STYLES[0]})
  --channel <channel>   email | sms | whatsapp | push (default email)
  --shop <id> --customer <cus_…>
                        render for this customer (their locale, time zone, open cart) from the
                        configured database; without them a built-in sample shop is used
  --products <a,b,…>    product ids to show (default: the customer's open cart)
  --discount <percent>  show a discount code for this percentage
  --out <path>          file path without extension (default: DATA_DIR/previews/<type>-<style>-<channel>)

Writes <path>.html (e-mail) and <path>.txt. Prices, availability and the code are resolved now; a
missing value stops with an error instead of writing a blank. Links are signed but point at a
preview dispatch, so clicking them records nothing.`;

const CHANNELS: Channel[] = ['email', 'sms', 'whatsapp', 'push'];

runCli(HELP, async (argv) => {
  const { values } = parseOptions(argv, {
    content: { type: 'string' }, style: { type: 'string' }, channel: { type: 'string' }, shop: { type: 'string' }, customer: { type: 'string' },
    products: { type: 'string' }, discount: { type: 'string' }, out: { type: 'string' },
  });
  if (!values.content || !isContentType(values.content)) throw new UsageError(`--content must be one of ${CONTENT_TYPES.join(', ')}`);
  if (values.style && !(COPY_STYLES as readonly string[]).includes(values.style)) throw new UsageError(`--style must be one of ${COPY_STYLES.join(', ')}`);
  const channel = (values.channel ?? 'email') as Channel;
  if (!CHANNELS.includes(channel)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}`);
  const discountPercent = values.discount === undefined ? 0 : Number(values.discount);
  if (!Number.isInteger(discountPercent) || discountPercent < 0 || discountPercent > 90) throw new UsageError('--discount must be a whole percentage from 0 to 90');
  if (Boolean(values.shop) !== Boolean(values.customer)) throw new UsageError('give --shop and --customer together, or neither for the sample shop');

  const config = parseConfig();
  const forCustomer = Boolean(values.shop && values.customer);
  // The sample needs no keys; a customer preview signs links as the running app would.
  const secret = forCustomer ? linkSecret(config.LINK_SIGNING_SECRET, new PiiCipher(piiKey(config))) : 'preview-only-secret-not-used-for-sending';
  const request = { contentType: values.content, style: values.style, channel, discountPercent, links: new LinkSigner(secret, config.PUBLIC_BASE_URL), signingSecret: secret };
  let input;
  if (forCustomer) {
    const database = await openDatabase(config);
    try {
      const productIds = values.products ? values.products.split(',').map((p) => p.trim()).filter(Boolean) : [];
      input = await customerInput(database.db, values.shop!, values.customer!, productIds, request);
    } finally {
      await database.close();
    }
  } else {
    input = sampleInput(request);
  }
  const out = values.out ?? join(config.DATA_DIR, 'previews', `${values.content}-${values.style ?? COPY_STYLES[0]}-${channel}`);
  const { files, rendered } = await writePreview(input, out);
  if (rendered.subject) console.log(`subject: ${rendered.subject}`);
  for (const file of files) console.log(`wrote ${file}`);
});
