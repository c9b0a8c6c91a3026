import fc from 'fast-check';
import type { Database } from '../../db/client.ts';
import { rejectedPayloads } from '../../db/schema.ts';
import { hostileBody, INJECTIONS, type Source } from './payloads.ts';
import { createApiTarget, fuzzAdapter, type Verdict } from './targets.ts';
import { linkCase, linkRequest, resendCase, twilioCase } from './channel-payloads.ts';
import { createChannelTarget } from './channel-targets.ts';
import { sql } from 'drizzle-orm';

export interface FuzzOptions {
  adapterCases: number;
  apiCases: number;
  /** Resend and Twilio webhook deliveries (half each; default none). */
  webhookCases?: number;
  /** Click and unsubscribe link requests (default none). */
  linkCases?: number;
  seed: number;
  database: Database;
  progress?: (line: string) => void;
}

export interface FuzzReport {
  cases: number;
  adapterCases: number;
  apiCases: number;
  webhookCases: number;
  linkCases: number;
  /** Link requests refused with a page (400 / 404 / 410): not webhooks, nothing to keep. */
  linksRefused: number;
  refused: number;
  kept: number;
  keptWithoutReason: number;
  server500s: number;
  crashes: number;
  byStatus: Record<string, number>;
  failures: string[];
}

const SOURCES: Source[] = ['native', 'shopify', 'woocommerce', 'segment'];

/**
 * Throws hostile input at every adapter and at the public API, counting every answer. A failure is
 * a throw, a 5xx (other than 503), or a refused payload that was not kept with its reason.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const failures: string[] = [];
  const byStatus: Record<string, number> = {};
  let crashes = 0;
  let server500s = 0;
  let refused = 0;
  const note = (source: string, kind: string, failure: string) => {
    if (failures.length < 20) failures.push(`${source} [${kind}]: ${failure}`);
  };

  // Adapters: pure, so fast; the same arbitraries as the API.
  const perSource = Math.ceil(options.adapterCases / SOURCES.length);
  let adapterCases = 0;
  for (const [i, source] of SOURCES.entries()) {
    fc.assert(fc.property(hostileBody(source), fc.nat(), (input, pick) => {
      adapterCases++;
      const verdict = fuzzAdapter(source, input, pick);
      if (verdict.failure) {
        crashes++;
        note(`adapter ${source}`, input.kind, verdict.failure);
      }
      return true;
    }), { numRuns: perSource, seed: options.seed + i });
    options.progress?.(`fuzz: adapter ${source}: ${perSource} cases`);
  }

  // The API over a real database.
  const target = await createApiTarget(options.database);
  const keptBefore = await target.keptCount();
  let apiCases = 0;
  try {
    const readShare = Math.floor(options.apiCases / 10);
    const perApiSource = Math.ceil((options.apiCases - readShare) / SOURCES.length);
    for (const [i, source] of SOURCES.entries()) {
      await fc.assert(fc.asyncProperty(hostileBody(source), fc.nat(), async (input, pick) => {
        apiCases++;
        try {
          const verdict = await target.send(source, input, pick);
          byStatus[String(verdict.status)] = (byStatus[String(verdict.status)] ?? 0) + 1;
          if (verdict.refused) refused++;
          if (verdict.failure) {
            server500s++;
            note(`POST ${source}`, input.kind, verdict.failure);
          }
        } catch (error) {
          crashes++;
          note(`POST ${source}`, input.kind, `threw ${(error as Error).message}`);
        }
        return true;
      }), { numRuns: perApiSource, seed: options.seed + 10 + i });
      options.progress?.(`fuzz: API ${source}: ${perApiSource} cases`);
    }
    const value = fc.oneof(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constant('x'.repeat(5000)));
    await fc.assert(fc.asyncProperty(fc.nat(), value, async (pick, v) => {
      apiCases++;
      try {
        const verdict = await target.read(pick, v);
        byStatus[String(verdict.status)] = (byStatus[String(verdict.status)] ?? 0) + 1;
        if (verdict.failure) {
          server500s++;
          note('GET', JSON.stringify(v).slice(0, 60), verdict.failure);
        }
      } catch (error) {
        crashes++;
        note('GET', JSON.stringify(v).slice(0, 60), `threw ${(error as Error).message}`);
      }
      return true;
    }), { numRuns: readShare, seed: options.seed + 20 });
    options.progress?.(`fuzz: API reads: ${readShare} cases`);
  } finally {
    await target.close();
  }

  // The channel endpoints: provider webhooks (signed and forged) and signed links.
  const webhookRuns = options.webhookCases ?? 0;
  const linkRuns = options.linkCases ?? 0;
  const channels = webhookRuns + linkRuns > 0 ? await createChannelTarget(options.database) : null;
  let webhookCases = 0;
  let linkCases = 0;
  let linksRefused = 0;
  const count = (label: string, kind: string, run: () => Promise<Verdict>) => async () => {
    try {
      const verdict = await run();
      byStatus[String(verdict.status)] = (byStatus[String(verdict.status)] ?? 0) + 1;
      if (verdict.failure) {
        server500s++;
        note(label, kind, verdict.failure);
      }
      return verdict;
    } catch (error) {
      crashes++;
      note(label, kind, `threw ${(error as Error).message}`);
      return null;
    }
  };
  if (channels) try {
    const resendRuns = Math.ceil(webhookRuns / 2);
    await fc.assert(fc.asyncProperty(resendCase, fc.nat(), async (input, pick) => {
      webhookCases++;
      const verdict = await count('POST resend', `${input.signing} ${input.input.kind}`, () => channels.resend(input, pick))();
      if (verdict?.refused) refused++;
      return true;
    }), { numRuns: resendRuns, seed: options.seed + 30 });
    options.progress?.(`fuzz: webhook resend: ${resendRuns} cases`);
    const twilioRuns = webhookRuns - resendRuns;
    await fc.assert(fc.asyncProperty(twilioCase, async (input) => {
      webhookCases++;
      const verdict = await count(`POST twilio/${input.route}`, `${input.signing} ${input.input.kind}`, () => channels.twilio(input))();
      if (verdict?.refused) refused++;
      return true;
    }), { numRuns: twilioRuns, seed: options.seed + 31 });
    options.progress?.(`fuzz: webhook twilio: ${twilioRuns} cases`);
    await fc.assert(fc.asyncProperty(linkCase, linkRequest, async (input, request) => {
      linkCases++;
      const verdict = await count(request, input.kind, () => channels.link(input, request))();
      if (verdict?.refused) linksRefused++;
      return true;
    }), { numRuns: linkRuns, seed: options.seed + 32 });
    options.progress?.(`fuzz: links: ${linkRuns} cases (${linksRefused} refused with a page)`);
  } finally {
    await channels.close();
  }
  const kept = (await target.keptCount()) - keptBefore;
  const [blank] = await options.database.db.select({ n: sql<number>`count(*)::int` }).from(rejectedPayloads)
    .where(sql`${rejectedPayloads.reason} is null or ${rejectedPayloads.reason}::text in ('null', '{}', '[]', '""')`);
  if (kept !== refused) note('API', 'kept', `${refused} payloads refused but ${kept} kept in rejected_payloads`);
  // A refusal that was not kept is counted as a failure of its own case (see targets.ts) and here in total.
  return {
    cases: adapterCases + apiCases + webhookCases + linkCases, adapterCases, apiCases, webhookCases, linkCases, linksRefused, refused, kept, keptWithoutReason: blank?.n ?? 0,
    server500s, crashes, byStatus, failures,
  };
}

export const fuzzOk = (r: FuzzReport) => r.server500s === 0 && r.crashes === 0 && r.kept === r.refused && r.keptWithoutReason === 0;
