import type { SkipReason } from './types.ts';

const DISPATCH_REASONS: readonly SkipReason[] = ['consent_withdrawn', 'unreachable', 'suppressed', 'quiet_hours', 'frequency_cap', 'out_of_stock',
  'render_error', 'provider_rejected', 'unsupported_channel'];

/** The skip reason for a dispatch that sent nothing: its own reason (an invalid address is unreachable). */
export function notSentReason(reason: string | undefined): SkipReason {
  return DISPATCH_REASONS.find((r) => r === reason) ?? (reason === 'invalid_address' ? 'unreachable' : 'provider_rejected');
}
