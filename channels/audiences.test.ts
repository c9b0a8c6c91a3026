import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client.ts';
import { customers, dispatches, outcomes } from '../db/schema.ts';
import { PiiCipher } from '../lib/pii.ts';
import { createTestDatabase } from '../test/db.ts';
import { seedCustomer, seedShop } from '../test/fixtures.ts';
import { TEST_PII_KEY } from '../test/temporal.ts';
import { FileAudienceAdapter, WebhookAudienceAdapter, normaliseEmailFor, normalisePhoneFor, sha256, syncAudience } from './audiences.ts';
import { bidMultipliers } from './bids.ts';

describe('paid-social audiences and bid multipliers', () => {
  let database: Database;
  const cipher = new PiiCipher(TEST_PII_KEY);
  let shopId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    shopId = await seedShop(database, 'shop-audiences');
  });
  afterAll(() => database?.close());

  it('normalises and hashes identifiers the way each platform matches them', () => {
    expect(sha256(normaliseEmailFor('meta', '  Test@Example.COM '))).toBe('973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b');
    expect(normaliseEmailFor('google', 'Jane.Doe@GMail.com')).toBe('janedoe@gmail.com');
    expect(normaliseEmailFor('google', 'jane.doe@example.com')).toBe('jane.doe@example.com');
    expect(normaliseEmailFor('meta', 'jane.doe@gmail.com')).toBe('jane.doe@gmail.com');
    expect(normalisePhoneFor('meta', '+49 151 1234-5678')).toBe('4915112345678');
    expect(normalisePhoneFor('google', '+49 151 1234-5678')).toBe('+4915112345678');
  });

  const setStage = (customerId: string, stage: string) => database.db.update(customers).set({ stage }).where(eq(customers.id, customerId));

  it('uploads only the adds and removes since the last sync, in Meta and Google formats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audiences-'));
    const a = await seedCustomer({ database, cipher }, shopId, { userId: 'aud-a', email: 'A.Person@gmail.com', phone: '+4915111111111' });
    const b = await seedCustomer({ database, cipher }, shopId, { userId: 'aud-b', email: 'b@example.com' });
    const noConsent = await seedCustomer({ database, cipher }, shopId, { userId: 'aud-c', email: 'c@example.com' }, [{ channel: 'email', granted: false }]);
    for (const id of [a, b, noConsent]) await setStage(id, 'lapsed');
    const request = { shopId, segment: 'lapsed-customers', stages: ['lapsed', 'at-risk'], platform: 'meta' as const };
    let tick = 0;
    const adapter = new FileAudienceAdapter(dir, () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)));

    const first = await syncAudience(database.db, cipher, request, adapter);
    expect(first).toMatchObject({ adds: 2, removes: 0 });
    const meta = JSON.parse(readFileSync(first.files[0]!, 'utf8')) as { payload: { schema: string[]; data: string[][] } };
    expect(meta.payload.schema).toEqual(['EMAIL_SHA256', 'PHONE_SHA256']);
    expect(meta.payload.data).toEqual(expect.arrayContaining([[sha256('a.person@gmail.com'), sha256('4915111111111')], [sha256('b@example.com'), '']]));
    expect(JSON.stringify(meta)).not.toContain('example.com');

    expect(await syncAudience(database.db, cipher, request, adapter)).toMatchObject({ adds: 0, removes: 0, files: [] });

    const d = await seedCustomer({ database, cipher }, shopId, { userId: 'aud-d', email: 'd@example.com' });
    await setStage(d, 'at-risk');
    await setStage(b, 'active');
    const second = await syncAudience(database.db, cipher, request, adapter);
    expect(second).toMatchObject({ adds: 1, removes: 1 });
    const [addFile, removeFile] = second.files;
    expect(addFile).toMatch(/-add\.json$/);
    expect((JSON.parse(readFileSync(addFile!, 'utf8')) as { payload: { data: string[][] } }).payload.data).toEqual([[sha256('d@example.com'), '']]);
    expect((JSON.parse(readFileSync(removeFile!, 'utf8')) as { payload: { data: string[][] } }).payload.data).toEqual([[sha256('b@example.com'), '']]);

    const google = await syncAudience(database.db, cipher, { ...request, platform: 'google' }, adapter);
    expect(google.adds).toBe(2);
    const csv = readFileSync(google.files[0]!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('Email,Phone');
    expect(csv).toContain(`${sha256('aperson@gmail.com')},${sha256('+4915111111111')}`);
  });

  it('pushes changes to a webhook with a verifiable signature, and records nothing when the push fails', async () => {
    const secret = 'audience-webhook-secret-0123456789abcdef';
    const received: { body: string; signature: string | undefined }[] = [];
    let status = 500;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-nextbest-signature'] as string | undefined });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audiences`;
      const e = await seedCustomer({ database, cipher }, shopId, { userId: 'aud-e', email: 'e@example.com' });
      await setStage(e, 'won-back');
      const request = { shopId, segment: 'won-back', stages: ['won-back'], platform: 'google' as const };
      await expect(syncAudience(database.db, cipher, request, new WebhookAudienceAdapter(url, secret))).rejects.toThrow(/answered 500/);
      status = 200;
      expect(await syncAudience(database.db, cipher, request, new WebhookAudienceAdapter(url, secret))).toMatchObject({ adds: 1 });
      const last = received.at(-1)!;
      expect(last.signature).toBe(createHmac('sha256', secret).update(last.body).digest('hex'));
      expect(JSON.parse(last.body)).toMatchObject({ type: 'audience.changed', audience: 'won-back:google', adds: [{ email: sha256('e@example.com') }], removes: [] });
    } finally {
      server.close();
    }
  });

  it('up-weights segments that convert better than the shop, within [0.5, 2]', async () => {
    const shop = await seedShop(database, 'shop-bids');
    const keen = await seedCustomer({ database, cipher }, shop, { userId: 'bid-keen', email: 'k@example.com' });
    const cold = await seedCustomer({ database, cipher }, shop, { userId: 'bid-cold', email: 'q@example.com' });
    await setStage(keen, 'active');
    await setStage(cold, 'lapsed');
    const sentAt = new Date();
    for (let i = 0; i < 60; i++) {
      const customerId = i % 2 === 0 ? keen : cold;
      const id = `dsp_bid_${i}`;
      await database.db.insert(dispatches).values({ id, idempotencyKey: id, shopId: shop, customerId, workflowId: `wf-bid-${i}`, step: 1, channel: 'email', contentType: 'cart_reminder', status: 'sent', provider: 'resend', sentAt });
      if ((customerId === keen && i % 4 === 0) || (customerId === cold && i === 1)) {
        await database.db.insert(outcomes).values({ shopId: shop, customerId, workflowId: `wf-bid-${i}`, step: 1, dispatchId: id, kind: 'converted' });
      }
    }
    const bids = await bidMultipliers(database.db, shop, new Date(Date.now() - 86_400_000));
    const byStage = Object.fromEntries(bids.map((b) => [b.segment, b]));
    expect(byStage.active).toMatchObject({ sends: 30, conversions: 15 });
    expect(byStage.lapsed).toMatchObject({ sends: 30, conversions: 1 });
    expect(byStage.active!.multiplier).toBeGreaterThan(1);
    expect(byStage.lapsed!.multiplier).toBeLessThan(1);
    for (const b of bids) expect(b.multiplier).toBeGreaterThanOrEqual(0.5);
    for (const b of bids) expect(b.multiplier).toBeLessThanOrEqual(2);
  });
});
