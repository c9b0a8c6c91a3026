import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { dispatchAttempts, providerEvents, pushSubscriptions } from '../db/schema-channels.ts';
import { contacts, customers, dispatches, products, shops } from '../db/schema.ts';
import { discountCode } from '../channels/discount.ts';
import { SendError, retryableFailure } from '../channels/errors.ts';
import { LinkSigner, linkSecret } from '../channels/links.ts';
import { OutboxSender } from '../channels/outbox.ts';
import { frequencyCapMs, isSuppressed, releaseFrequencySlot, suppress, takeFrequencySlot, takeThrottleToken } from '../channels/protection.ts';
import { channelSendersFromConfig } from '../channels/senders.ts';
import type { ChannelSender, ChannelSenders, OutgoingMessage } from '../channels/types.ts';
import { config } from '../lib/config.ts';
import { inQuietHours, localMinuteOfDay, nextAllowedInstant } from '../lib/local-time.ts';
import { normaliseEmail } from '../lib/pii.ts';
import { RenderError, renderMessage } from '../templates/render.ts';
import type { Channel, DispatchRequest, DispatchResult } from '../workflows/types.ts';
import { loadCustomerContext, type CustomerContext } from './customer-context.ts';
import type { ActivityDeps } from './deps.ts';

/** One ledger key per (journey, step, channel): the unit that must never be sent twice. */
export function dispatchKey(workflowId: string, step: number, channel: Channel): string {
  return `${workflowId}:${step}:${channel}`;
}

export function dispatchIdFor(key: string): string {
  return `dsp_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** Why a dispatch did not send, beyond the contract's 'failed'. */
export type NotSentReason =
  | 'consent_withdrawn' | 'unreachable' | 'suppressed' | 'quiet_hours' | 'frequency_cap' | 'out_of_stock'
  | 'render_error' | 'invalid_address' | 'provider_rejected' | 'unsupported_channel';

/** DispatchResult plus what happened, for callers that want more than sent / failed. */
export interface ChannelDispatchResult extends DispatchResult {
  channel: Channel;
  reason?: NotSentReason;
  detail?: string;
  retryAt?: string;
}

export interface DispatchOptions {
  /** Origin of our click and unsubscribe links (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  /** LINK_SIGNING_SECRET; when absent a secret derived from the PII key is used. */
  linkSigningSecret?: string | undefined;
}

/** Channels tried, in order, after an address turns out to be invalid. */
const FALLBACK: Channel[] = ['email', 'sms', 'whatsapp'];
const WHATSAPP_WINDOW_MS = 24 * 3_600_000;
/** A throttle wait shorter than this is slept in the activity; longer ones become a Temporal retry. */
const MAX_INLINE_WAIT_MS = 2_000;
/** How long an attempt's claim on a message lasts: past the activity's 60 s start-to-close timeout. */
const CLAIM_SECONDS = 90;

/**
 * Sends one journey step. Protection rules are checked at the moment of sending (consent,
 * suppression, quiet hours, the frequency cap taken atomically, the provider throttle). The ledger row
 * is reserved before the provider call, each call is logged as an attempt first, and the provider
 * gets the same idempotency key every time; a provider without keys is asked whether an interrupted
 * attempt already sent. So a crash between the call and the ledger update never sends twice.
 */
export function createDispatch(deps: ActivityDeps, senders: ChannelSenders = {}, options?: DispatchOptions) {
  const outbox = new OutboxSender(deps.outboxDir);
  const settings = options ?? { publicBaseUrl: config().PUBLIC_BASE_URL, linkSigningSecret: config().LINK_SIGNING_SECRET };
  let configured: ChannelSenders | null = null;
  const senderFor = (channel: Channel): ChannelSender => {
    configured ??= options ? {} : channelSendersFromConfig(config());
    return senders[channel] ?? configured[channel] ?? outbox;
  };
  const secret = linkSecret(settings.linkSigningSecret, deps.cipher);
  const links = new LinkSigner(secret, settings.publicBaseUrl);
  const now = () => deps.now?.() ?? new Date();
  /**
   * The instant protection rules are judged at: the workflow's clock when this attempt was scheduled
   * (as recheck uses the workflow's clock), advancing with real time during the attempt. Outside an
   * activity (direct calls) it is deps.now. On a time-skipping test server the two differ by days.
   */
  const sendClock = (): (() => Date) => {
    let scheduled: number;
    try {
      scheduled = Context.current().info.currentAttemptScheduledTimestampMs;
    } catch {
      return now;
    }
    const start = Date.now();
    return () => new Date(scheduled + (Date.now() - start));
  };

  return async function dispatch(request: DispatchRequest): Promise<ChannelDispatchResult> {
    const first = request.decision.channel;
    if (!first) throw new Error('dispatch called without a channel');
    const context = await loadCustomerContext(deps.database.db, request.shopId, request.customerId);
    const clock = sendClock();
    let result = await dispatchOn(request, first, context, clock);
    // An address that can never receive: try the customer's next channel, as its own ledger entry.
    for (const next of FALLBACK) {
      if (result.status === 'sent' || result.reason !== 'invalid_address') break;
      if (next === first || next === result.channel || context.consent[next] !== true || !context.reachable.includes(next)) continue;
      result = await dispatchOn(request, next, context, clock);
    }
    return result;
  };

  async function dispatchOn(request: DispatchRequest, channel: Channel, context: CustomerContext, clock: () => Date): Promise<ChannelDispatchResult> {
    const { db } = deps.database;
    const { decision } = request;
    const sender = senderFor(channel);
    const idempotencyKey = dispatchKey(request.workflowId, request.step, channel);
    const dispatchId = dispatchIdFor(idempotencyKey);
    const at = clock();
    // Reserve the ledger row and claim it for this attempt in one statement. The first reservation's
    // instant stays the message's composition time (`composedAt`) on every retry. A row already sent or
    // failed, or claimed by an attempt still running, is not claimed: nothing comes back.
    const claim = sql`now() + ${`${CLAIM_SECONDS} seconds`}::interval`;
    let [row] = await db
      .insert(dispatches)
      .values({
        id: dispatchId, idempotencyKey, shopId: request.shopId, customerId: request.customerId, workflowId: request.workflowId,
        step: request.step, channel, contentType: decision.contentType, status: 'reserved', provider: sender.provider,
        discountTier: decision.discountTier, variant: decision.variant, composedAt: at, claimedUntil: claim,
      })
      .onConflictDoUpdate({
        target: dispatches.id,
        set: { claimedUntil: claim },
        setWhere: sql`${dispatches.status} = 'reserved' and (${dispatches.claimedUntil} is null or ${dispatches.claimedUntil} < now())`,
      })
      .returning();
    if (!row) {
      [row] = await db.select().from(dispatches).where(eq(dispatches.id, dispatchId));
      if (row && (row.status === 'sent' || row.status === 'delivered')) return { dispatchId, status: 'sent', provider: row.provider, channel };
      if (row?.status === 'failed') return { dispatchId, status: 'failed', provider: row.provider, channel, reason: (row.error?.split(':')[0] ?? 'provider_rejected') as NotSentReason };
      // Another attempt is sending this very message: retry once it has finished (or its claim expired).
      throw retryableFailure(new SendError('retryable', 'another attempt is sending this message', { provider: sender.provider, retryAfterMs: 2_000 }));
    }
    try {
      return await sendClaimed(request, channel, context, sender, dispatchId, idempotencyKey, at, row);
    } catch (error) {
      // A retry must not wait out this attempt's claim. The row stays reserved; the retry claims it again.
      await db.update(dispatches).set({ claimedUntil: null }).where(and(eq(dispatches.id, dispatchId), eq(dispatches.status, 'reserved'))).catch(() => {});
      throw error;
    }
  }

  async function sendClaimed(request: DispatchRequest, channel: Channel, context: CustomerContext, sender: ChannelSender, dispatchId: string, idempotencyKey: string,
    at: Date, row: typeof dispatches.$inferSelect): Promise<ChannelDispatchResult> {
    const { db } = deps.database;

    const notSent = (reason: NotSentReason, detail: string, retryAt?: Date) => fail({ dispatchId, channel, request, reason, detail, retryAt, provider: sender.provider });

    if (channel === 'audience' || channel === 'adbid') return notSent('unsupported_channel', `${channel} is exported in batches (scripts/audiences.ts), not dispatched per message`);
    if (context.consent[channel] !== true) return notSent('consent_withdrawn', `no ${channel} consent at send time`);
    const address = await addressFor(request, channel);
    if (!address) return notSent('unreachable', `no ${channel} address on file`);
    if (address.hash && (await isSuppressed(db, request.shopId, channel, address.hash))) return notSent('suppressed', `the ${channel} address is suppressed`);
    if (inQuietHours(localMinuteOfDay(at, context.timezone), context.quietStartMinute, context.quietEndMinute)) {
      return notSent('quiet_hours', `quiet hours in ${context.timezone}`, nextAllowedInstant(at, context.timezone, context.quietStartMinute, context.quietEndMinute));
    }
    const [shop] = await db.select().from(shops).where(eq(shops.id, request.shopId));
    const capMs = frequencyCapMs(channel, shop?.settings ?? {}, deps.timeScale);
    if (capMs) {
      const freeAt = await takeFrequencySlot(db, { shopId: request.shopId, customerId: request.customerId, channel, dispatchId, at, capMs });
      if (freeAt) return notSent('frequency_cap', `one ${channel} per ${capMs / deps.timeScale / 3_600_000} h`, freeAt);
    }

    // A retry after an interrupted attempt composes the very message the first attempt did, so the
    // provider's idempotency key, or our look-up of the earlier send, recognises it: "priced at" is the
    // first reservation's instant (the workflow's clock) and the links are issued at the ledger row's
    // creation (the database's clock, which the link verifier's agrees with).
    let message: OutgoingMessage;
    try {
      message = await compose(request, channel, context, dispatchId, idempotencyKey, address.value, shop?.name ?? request.shopId, shop?.settings ?? {}, at, row.composedAt ?? at, row.createdAt);
    } catch (error) {
      if (error instanceof RenderError) {
        deps.logger.error({ dispatchId, workflowId: request.workflowId, err: error }, 'message could not be rendered');
        return notSent(error.message.includes('at least one product') ? 'out_of_stock' : 'render_error', error.message);
      }
      throw error;
    }

    await throttle(request.shopId, sender);
    const earlier = await db.select().from(dispatchAttempts).where(eq(dispatchAttempts.dispatchId, dispatchId)).orderBy(asc(dispatchAttempts.id));
    const firstEarlier = earlier[0];
    if (firstEarlier && sender.findEarlierSend) {
      const found = await sender.findEarlierSend(message, firstEarlier.startedAt).catch(toFailure);
      if (found) return markSent(request, channel, dispatchId, found.provider, found.providerMessageId, now(), 'adopted the message an interrupted attempt sent');
    }
    const [attempt] = await db.insert(dispatchAttempts).values({ dispatchId, provider: sender.provider, startedAt: now() }).returning({ id: dispatchAttempts.id });
    const finishAttempt = (result: 'sent' | 'retryable' | 'permanent' | 'invalid_address', error?: string) =>
      db.update(dispatchAttempts).set({ result, finishedAt: now(), error: error ?? null }).where(eq(dispatchAttempts.id, attempt!.id));
    try {
      const sent = await sender.send(message);
      await finishAttempt('sent');
      return markSent(request, channel, dispatchId, sent.provider, sent.providerMessageId, now());
    } catch (error) {
      if (!(error instanceof SendError)) {
        await finishAttempt('retryable', (error as Error).message);
        throw error;
      }
      await finishAttempt(error.kind, error.message);
      if (error.kind === 'retryable') throw retryableFailure(error);
      if (error.kind === 'invalid_address' && address.hash) {
        await suppress(db, { shopId: request.shopId, channel, addressHash: address.hash, reason: 'invalid_address', source: sender.provider });
      }
      return notSent(error.kind === 'invalid_address' ? 'invalid_address' : 'provider_rejected', error.message);
    }
  }

  /** The decrypted address for a channel, and its look-up hash for suppressions. */
  async function addressFor(request: DispatchRequest, channel: Channel): Promise<{ value: string; hash: string | null } | null> {
    const { db } = deps.database;
    if (channel === 'push') {
      const [subscription] = await db
        .select()
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.shopId, request.shopId), eq(pushSubscriptions.customerId, request.customerId)))
        .orderBy(desc(pushSubscriptions.createdAt))
        .limit(1);
      return subscription ? { value: deps.cipher.decrypt(subscription.subscriptionEnc), hash: null } : null;
    }
    const [contact] = await db.select().from(contacts).where(and(eq(contacts.shopId, request.shopId), eq(contacts.customerId, request.customerId)));
    const encrypted = channel === 'email' ? contact?.emailEnc : contact?.phoneEnc;
    if (!encrypted) return null;
    const value = deps.cipher.decrypt(encrypted);
    return { value, hash: deps.cipher.lookupHash(channel === 'email' ? normaliseEmail(value) : value) };
  }

  async function compose(
    request: DispatchRequest, channel: Channel, context: CustomerContext, dispatchId: string, idempotencyKey: string,
    to: string, shopName: string, shopSettings: Record<string, unknown>, at: Date, composedAt: Date, linksIssuedAt: Date | undefined,
  ): Promise<OutgoingMessage> {
    const { db } = deps.database;
    const { decision } = request;
    const relatedIds = decision.relatedProductIds ?? [];
    const wanted = [...decision.productIds, ...relatedIds];
    const rows = wanted.length
      ? await db.select().from(products).where(and(eq(products.shopId, request.shopId), inArray(products.id, wanted)))
      : [];
    // Price and availability as they are now, in the decision's order; sold-out items are left out.
    const byId = new Map(rows.map((p) => [p.id, p]));
    const inStock = (ids: string[]) => ids.flatMap((id) => {
      const p = byId.get(id);
      return p && (p.stock === null || p.stock > 0) ? [{ title: p.title, priceMinor: p.priceMinor, currency: p.currency, stock: p.stock, url: p.url, imageUrl: p.imageUrl }] : [];
    });
    const items = inStock(decision.productIds);
    const related = inStock(relatedIds);
    const [customer] = await db.select({ locale: customers.locale }).from(customers).where(eq(customers.id, request.customerId));
    const rendered = await renderMessage({
      channel, contentType: decision.contentType, style: decision.copyStyle ?? null,
      shop: { name: shopName, storefrontUrl: typeof shopSettings.storefrontUrl === 'string' ? shopSettings.storefrontUrl : null },
      locale: customer?.locale ?? null, timezone: context.timezone, items, related,
      discount: decision.discountTier > 0 ? { percent: decision.discountTier, code: discountCode(secret, dispatchId, decision.discountTier) } : null,
      dispatchId, links, now: composedAt, ...(linksIssuedAt ? { linksIssuedAt } : {}),
    });
    const message: OutgoingMessage = { ...rendered, shopId: request.shopId, customerId: request.customerId, dispatchId, idempotencyKey, to };
    if (channel === 'whatsapp') {
      const [inbound] = await db
        .select({ id: providerEvents.id })
        .from(providerEvents)
        .where(and(eq(providerEvents.customerId, request.customerId), eq(providerEvents.channel, 'whatsapp'), eq(providerEvents.kind, 'inbound'), gte(providerEvents.occurredAt, new Date(at.getTime() - WHATSAPP_WINDOW_MS))))
        .limit(1);
      const templates = (shopSettings.whatsappTemplates ?? {}) as Record<string, string>;
      message.serviceWindowOpen = inbound !== undefined;
      message.templateSid = templates[decision.contentType] ?? null;
    }
    return message;
  }

  /** Waits for the shop's provider throttle: briefly in place, or by a Temporal retry after the wait. */
  async function throttle(shopId: string, sender: ChannelSender): Promise<void> {
    if (!sender.ratePerSecond) return;
    for (;;) {
      const waitMs = await takeThrottleToken(deps.database.db, { shopId, provider: sender.provider, ratePerSecond: sender.ratePerSecond, now: new Date() });
      if (waitMs === 0) return;
      if (waitMs > MAX_INLINE_WAIT_MS) {
        throw retryableFailure(new SendError('retryable', `shop throttle for ${sender.provider} is full`, { provider: sender.provider, retryAfterMs: waitMs }));
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  async function markSent(request: DispatchRequest, channel: Channel, dispatchId: string, provider: string, providerMessageId: string, sentAt: Date, note?: string): Promise<ChannelDispatchResult> {
    await deps.database.db
      .update(dispatches)
      .set({ status: 'sent', sentAt, provider, providerMessageId })
      .where(and(eq(dispatches.id, dispatchId), eq(dispatches.status, 'reserved')));
    deps.metrics.dispatches.inc({ channel, status: 'sent' });
    deps.logger.info({ dispatchId, workflowId: request.workflowId, channel, provider, ...(note ? { note } : {}) }, 'message sent');
    return { dispatchId, status: 'sent', provider, channel };
  }

  async function fail(f: { dispatchId: string; channel: Channel; request: DispatchRequest; reason: NotSentReason; detail: string; retryAt?: Date | undefined; provider: string }): Promise<ChannelDispatchResult> {
    const { db } = deps.database;
    await db.update(dispatches).set({ status: 'failed', error: `${f.reason}: ${f.detail}` }).where(and(eq(dispatches.id, f.dispatchId), eq(dispatches.status, 'reserved')));
    if (f.reason !== 'frequency_cap') await releaseFrequencySlot(db, f.request.shopId, f.request.customerId, f.channel, f.dispatchId);
    deps.metrics.dispatches.inc({ channel: f.channel, status: 'failed' });
    deps.logger.info({ dispatchId: f.dispatchId, workflowId: f.request.workflowId, channel: f.channel, reason: f.reason }, 'message not sent');
    return { dispatchId: f.dispatchId, status: 'failed', provider: f.provider, channel: f.channel, reason: f.reason, detail: f.detail, ...(f.retryAt ? { retryAt: f.retryAt.toISOString() } : {}) };
  }
}

function toFailure(error: unknown): never {
  if (error instanceof SendError) throw retryableFailure(error);
  throw error;
}
