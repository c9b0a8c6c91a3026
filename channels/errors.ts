import { ApplicationFailure } from '@temporalio/common';

/**
 * What a provider's refusal means for us:
 * - retryable: rate limited or the provider is down (429, 5xx, network); try again after `retryAfterMs`.
 * - invalid_address: the address can never receive this channel; suppress it and try the next channel.
 * - permanent: our request is wrong or not allowed (auth, validation, template); retrying cannot help.
 */
export type SendErrorKind = 'retryable' | 'invalid_address' | 'permanent';

export class SendError extends Error {
  override name = 'SendError';
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly detail: { provider: string; status?: number | null; code?: string | number | null; retryAfterMs?: number | null } = { provider: 'unknown' },
  ) {
    super(message);
  }
}

/** The usual meaning of an HTTP status from a messaging API, before provider-specific codes refine it. */
export function kindForStatus(status: number | null | undefined): SendErrorKind {
  if (status === null || status === undefined) return 'retryable';
  if (status === 429 || status === 408 || status === 409 || status >= 500) return 'retryable';
  return 'permanent';
}

/** Reads Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A retryable failure for Temporal, honouring the provider's Retry-After when it gave one. */
export function retryableFailure(error: SendError): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ProviderUnavailable',
    message: `${error.detail.provider}: ${error.message}`,
    nonRetryable: false,
    cause: error,
    ...(error.detail.retryAfterMs ? { nextRetryDelay: error.detail.retryAfterMs } : {}),
  });
}
