import { boolean, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, integer } from 'drizzle-orm/pg-core';
import { shops } from './schema.ts';

// Experiments split a shop's journeys between variants (recommendation engine, copy style, channel or
// discount policy) and a holdout that gets no message. Assignment is a pure hash of customer and
// experiment (experiments/assign.ts); these tables keep the definition and every exposure.

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export interface VariantChanges {
  engine?: string;
  copyStyle?: string;
  channelPolicy?: string;
  discountPolicy?: string;
}
export interface VariantDefinition {
  key: string;
  weight: number;
  changes: VariantChanges;
}

export type ExperimentStatus = 'running' | 'stopped';

export const experiments = pgTable(
  'experiments',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status').$type<ExperimentStatus>().notNull().default('running'),
    /** Journeys it applies to; empty means every journey. */
    journeys: text('journeys').array().notNull(),
    variants: jsonb('variants').$type<VariantDefinition[]>().notNull(),
    /** Share of customers who get no message, the baseline for incremental lift. */
    holdoutShare: doublePrecision('holdout_share').notNull(),
    /** An order within this long after a customer's first exposure counts as that customer's conversion. */
    conversionWindowMs: integer('conversion_window_ms').notNull(),
    /** Hashed with the customer key; fixed at creation so assignment never changes. */
    salt: text('salt').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    stoppedAt: ts('stopped_at'),
  },
  (t) => [uniqueIndex('experiments_name_idx').on(t.shopId, t.name)],
);

/** One row per decided journey step in an experiment, including the holdout's (which sends nothing). */
export const experimentExposures = pgTable(
  'experiment_exposures',
  {
    experimentId: text('experiment_id').notNull().references(() => experiments.id, { onDelete: 'cascade' }),
    workflowId: text('workflow_id').notNull(),
    step: integer('step').notNull(),
    shopId: text('shop_id').notNull().references(() => shops.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    journey: text('journey').notNull(),
    variant: text('variant').notNull(),
    holdout: boolean('holdout').notNull(),
    propensity: doublePrecision('propensity').notNull(),
    exposedAt: ts('exposed_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.workflowId, t.step] }),
    index('experiment_exposures_customer_idx').on(t.experimentId, t.customerId, t.exposedAt),
    index('experiment_exposures_shop_idx').on(t.shopId, t.customerId),
  ],
);
