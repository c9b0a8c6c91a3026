import { DISCOUNT_TIERS, PERSON_CHANNELS, type DiscountTier, type PersonChannel } from '../models/types.ts';

// Policies an experiment arm can impose on a decision instead of the learned ones, so a shop can
// measure the models against the simple rules it used before.

/** `learned` (the models choose) · `<channel>-only` · `email-first` (e-mail when possible, else learned). */
export const CHANNEL_POLICIES = ['learned', 'email-first', ...PERSON_CHANNELS.map((c) => `${c}-only` as const)] as const;
/** `learned` · `none` (never a discount) · `flat-<tier>` (that tier on every step that allows a discount). */
export const DISCOUNT_POLICIES = ['learned', 'none', ...DISCOUNT_TIERS.filter((t) => t > 0).map((t) => `flat-${t}` as const)] as const;

export type ChannelPolicy = (typeof CHANNEL_POLICIES)[number];
export type DiscountPolicy = (typeof DISCOUNT_POLICIES)[number];

export const isChannelPolicy = (p: string): p is ChannelPolicy => (CHANNEL_POLICIES as readonly string[]).includes(p);
export const isDiscountPolicy = (p: string): p is DiscountPolicy => (DISCOUNT_POLICIES as readonly string[]).includes(p);

/** The channels the models may choose from under a channel policy. */
export function channelsUnderPolicy(policy: string | undefined, eligible: readonly PersonChannel[]): PersonChannel[] {
  if (!policy || policy === 'learned') return [...eligible];
  if (policy === 'email-first') return eligible.includes('email') ? ['email'] : [...eligible];
  const only = policy.replace(/-only$/, '');
  return eligible.filter((c) => c === only);
}

/** How a discount policy changes a step: the highest tier allowed, and a tier forced on every send. */
export function discountUnderPolicy(policy: string | undefined, maxTier: DiscountTier): { maxTier: DiscountTier; forced: DiscountTier | null } {
  if (!policy || policy === 'learned') return { maxTier, forced: null };
  if (policy === 'none') return { maxTier: 0, forced: null };
  const tier = Number(policy.replace(/^flat-/, '')) as DiscountTier;
  // A step that allows no discount (a first reminder) stays without one under a flat policy too.
  return maxTier === 0 ? { maxTier: 0, forced: null } : { maxTier: tier, forced: Math.min(tier, maxTier) as DiscountTier };
}
