// What a policy sees and returns. A policy sees what a shop's engine would know (the customer's
// contactable channels, their orders, their cart and the outcomes of earlier sends); only the oracle
// reads `truth`, which holds the hidden preferences.

import type { DiscountTier, OutcomeKind, PersonChannel } from '../models/index.ts';
import type { ExposureContext, SendAction } from './response.ts';
import type { SimCart, SimCustomer, World } from './world.ts';

export type DecisionContext = {
  cart: SimCart;
  /** The journey's touch: 1, the reminder; 2, the second touch a day after the first (workflows/cart-abandon.ts). */
  step: number;
  /** The highest discount tier this touch may offer (the journey's: none on the first, up to 15 % on the second). */
  maxTier: DiscountTier;
  /** Pseudonymous customer key and journey id, as the product would name them. */
  customerKey: string;
  workflowId: string;
  timeZone: string;
  /** When the journey decides (cart + quiet period) and the latest the send may be scheduled. */
  decideAtMs: number;
  windowEndMs: number;
  /** Channels with consent, an address and no unsubscribe known at decision time, in canonical order. */
  eligible: PersonChannel[];
  /** Orders the shop has seen from this customer up to the decision (time, value). */
  orders: readonly { atMs: number; valueMinor: number }[];
  /** Hidden: for the oracle only. */
  truth: { world: World; customer: SimCustomer; exposure: ExposureContext };
};

/** One outcome of a send, delivered to the policy when it happens (never earlier). */
export type SendOutcome = {
  sendId: string;
  cartId: string;
  step: number;
  customer: number;
  channel: PersonChannel;
  tier: SendAction['tier'];
  kind: OutcomeKind;
  atMs: number;
};

export interface Policy {
  readonly name: string;
  decide(ctx: DecisionContext): SendAction | null;
  /** The customer was on the site (a cart was changed). */
  onSiteActivity?(customer: number, timeZone: string, atMs: number): void;
  onOrder?(customer: number, atMs: number, valueMinor: number): void;
  onOutcome?(outcome: SendOutcome): void;
  /** Called at the end of every simulated day (dayIndex counts from the world's start), in time order: scheduled jobs. */
  onDay?(nowMs: number, dayIndex: number): void;
}
