// Vocabulary shared by every model. Kept free of logic so the state types can be imported by the
// db schema and the activities without pulling in any model code.

export const STAGES = ['new', 'active', 'at-risk', 'lapsed', 'won-back'] as const;
export type Stage = (typeof STAGES)[number];

/** Channels chosen per person. */
export const PERSON_CHANNELS = ['email', 'sms', 'whatsapp', 'push'] as const;
export type PersonChannel = (typeof PERSON_CHANNELS)[number];

/** Channels decided per segment: paid-social audiences and ad-bid up-weights are bought in bulk. */
export const SEGMENT_CHANNELS = ['audience', 'adbid'] as const;
export type SegmentChannel = (typeof SEGMENT_CHANNELS)[number];

export type Channel = PersonChannel | SegmentChannel;

/** Discount tiers in percent of the basket. */
export const DISCOUNT_TIERS = [0, 5, 10, 15, 20, 25] as const;
export type DiscountTier = (typeof DISCOUNT_TIERS)[number];

/** A Beta prior described the way a shop thinks about it: a rate and how many sends it is worth. */
/**
 * A pooled prior: `rate` worth `strength` sends for a customer (how alike customers are), and, when the
 * refit knows it, `sends`: the shop's sends behind `rate` (how sure the shop is of the rate itself).
 */
export type BetaPrior = { rate: number; strength: number; sends?: number };

/** Half-open UTC window, ISO-8601 instants. */
export type TimeWindow = { earliest: string; latest: string };

/** Local wall-clock quiet hours, "HH:MM"; start > end means the quiet period crosses midnight. */
export type QuietHours = { start: string; end: string };
