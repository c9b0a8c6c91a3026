import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { StageThresholds } from '../models/lifecycle/thresholds.ts';
import type { CustomerModelState, DiscountSegmentState, ShopModelState } from '../models/state.ts';
import { shops } from './schema.ts';

// Decision-model state as JSON (models/state.ts): one row per customer, per shop and per discount
// segment. Outcomes update these rows in the same transaction as the outcome itself.

const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const customerModelStates = pgTable('customer_model_states', {
  customerId: text('customer_id').primaryKey(),
  shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
  state: jsonb('state').$type<CustomerModelState>().notNull(),
  updatedAt: updatedAt(),
});

export const shopModelStates = pgTable('shop_model_states', {
  shopId: text('shop_id')
    .primaryKey()
    .references(() => shops.id, { onDelete: 'cascade' }),
  state: jsonb('state').$type<ShopModelState>().notNull(),
  stageThresholds: jsonb('stage_thresholds').$type<StageThresholds>(),
  /** When the scheduled retrain last refitted the priors and curves. */
  retrainedAt: timestamp('retrained_at', { withTimezone: true, mode: 'date' }),
  updatedAt: updatedAt(),
});

export const discountSegmentStates = pgTable(
  'discount_segment_states',
  {
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    segment: text('segment').notNull(),
    state: jsonb('state').$type<DiscountSegmentState>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.segment] })],
);
