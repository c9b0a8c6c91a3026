import { describe, expect, it } from 'vitest';
import type { NotSentReason } from '../activities/dispatch.ts';
import { notSentReason } from './skip-reasons.ts';

describe('skip reason of a dispatch that sent nothing', () => {
  it('keeps every reason dispatch gives, so a skip says what really happened', () => {
    const reasons: NotSentReason[] = ['consent_withdrawn', 'unreachable', 'suppressed', 'quiet_hours', 'frequency_cap', 'out_of_stock',
      'render_error', 'provider_rejected', 'unsupported_channel'];
    for (const reason of reasons) expect(notSentReason(reason)).toBe(reason);
  });
  it('files an invalid address under unreachable, and an unknown or missing reason as a provider refusal', () => {
    expect(notSentReason('invalid_address')).toBe('unreachable');
    expect(notSentReason(undefined)).toBe('provider_rejected');
  });
});
