import { describe, expect, it } from 'vitest';
import { channelsUnderPolicy, discountUnderPolicy } from './policies.ts';

describe('experiment policies', () => {
  it('restricts the channels the models may choose', () => {
    expect(channelsUnderPolicy(undefined, ['email', 'sms'])).toEqual(['email', 'sms']);
    expect(channelsUnderPolicy('learned', ['email', 'sms'])).toEqual(['email', 'sms']);
    expect(channelsUnderPolicy('sms-only', ['email', 'sms'])).toEqual(['sms']);
    expect(channelsUnderPolicy('sms-only', ['email'])).toEqual([]);
    expect(channelsUnderPolicy('email-first', ['email', 'sms'])).toEqual(['email']);
    expect(channelsUnderPolicy('email-first', ['sms', 'whatsapp'])).toEqual(['sms', 'whatsapp']);
  });

  it('caps or forces the discount tier, never on a step that allows none', () => {
    expect(discountUnderPolicy(undefined, 15)).toEqual({ maxTier: 15, forced: null });
    expect(discountUnderPolicy('none', 25)).toEqual({ maxTier: 0, forced: null });
    expect(discountUnderPolicy('flat-15', 25)).toEqual({ maxTier: 15, forced: 15 });
    expect(discountUnderPolicy('flat-20', 10)).toEqual({ maxTier: 20, forced: 10 });
    expect(discountUnderPolicy('flat-15', 0)).toEqual({ maxTier: 0, forced: null });
  });
});
